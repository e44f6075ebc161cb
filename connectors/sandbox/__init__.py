"""Local HTTP fakes of each channel's API, serving the channels' published payload shapes."""

import json
from importlib import import_module
from pathlib import Path

SANDBOXES = {
    "amazon": "connectors.sandbox.amazon.AmazonSandbox",
    "shopify": "connectors.sandbox.shopify.ShopifySandbox",
}


def sandbox_app(channel: str):
    """A fresh sandbox app of a channel."""
    if channel not in SANDBOXES:
        raise LookupError(f"No sandbox for {channel!r}; there are: {', '.join(sorted(SANDBOXES))}")
    module, _, name = SANDBOXES[channel].rpartition(".")
    return getattr(import_module(module), name)()


def load_file(app, path: str | Path) -> dict:
    """Load a file in the channel's own response format into a sandbox app."""
    with open(path, encoding="utf-8") as handle:
        return app.load(json.load(handle))
