"""Finds a channel's connector by its kind. A channel is a package ``connectors/<kind>/`` whose
``__init__`` exposes ``Connector``; adding a channel is adding that package, nothing else."""

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Any

import connectors
from connectors.base import Connector

NOT_CHANNELS = frozenset({"sandbox"})


class UnknownChannel(LookupError):
    """No connector package exists for that channel kind."""


@cache
def connector_class(kind: str) -> type[Connector]:
    if kind in NOT_CHANNELS or not kind.isidentifier():
        raise UnknownChannel(kind)
    try:
        module = importlib.import_module(f"connectors.{kind}")
    except ModuleNotFoundError as exc:
        raise UnknownChannel(f"No connector for channel {kind!r}") from exc
    cls = getattr(module, "Connector", None)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise UnknownChannel(f"connectors.{kind} has no Connector class")
    return cls


def available_kinds() -> list[str]:
    """The kinds with a connector package, in name order."""
    kinds = []
    for info in pkgutil.iter_modules(connectors.__path__):
        if info.ispkg and info.name not in NOT_CHANNELS:
            try:
                connector_class(info.name)
            except UnknownChannel:
                continue
            kinds.append(info.name)
    return sorted(kinds)


def build(kind: str, credentials: Mapping[str, Any], *, options: Mapping[str, Any] | None = None) -> Connector:
    return connector_class(kind)(credentials, options=options)
