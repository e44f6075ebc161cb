"""Real ``celery worker`` and ``celery beat`` processes, started, watched, killed and stopped from Python.

The production shape of the hub is a web process, Celery workers and one Celery beat, all on the same
PostgreSQL and Redis. ``ProcessGroup`` starts that shape on this machine for whoever needs it: the
scheduler tests (which kill workers in the middle of a sync), the benchmarks, and ``manage.py run_demo``
when ``REDIS_URL`` is set.

::

    env = Environment.from_settings(extra={"SCHEDULE_TICK_SECONDS": "1"})
    with ProcessGroup(env, directory=tmp_path) as group:
        group.start_worker("w1", concurrency=2)
        group.start_beat()
        group.wait_ready()                   # each process said it is ready, or this raises with its log
        group.send("schedules.sync_account", account.pk, orders=True, stock=False)
        group["w1"].kill()                   # SIGKILL: the worker and its pool processes, mid-task
        group["w1"].restart()
    # leaving the block stops every process: SIGTERM, then SIGKILL after a grace period

- **Environment**: where the processes connect (``DATABASE_URL``, ``REDIS_URL``), the settings module
  they load, the Redis key prefix they work under and any other variables (``extra``: the schedule's
  tick and minute, lock ttl, retries ...). ``variables()`` is the environment a process gets, for any
  other process that must share it.
- **Readiness** is read from each process's own log, never guessed with a sleep: a worker is ready when
  it logs ``<node name> ready.`` (it then consumes its queues), beat when it logs ``beat: Starting...``.
  A process that exits first, or is not ready in time, raises ``ProcessFailed`` with the tail of its log.
- **Logs**: each process writes stdout and stderr to ``<directory>/<name>.log``; a restart appends, after
  a line saying so. Beat keeps its schedule file in the same directory (``<name>-schedule``), so two
  beats, or two groups, never share one.
- **Stopping**: ``kill()`` sends SIGKILL to the process's whole process group (each process is started
  in a session of its own), so a prefork worker's pool processes die with it, as on a machine that lost
  power: the message it held is redelivered by Redis after the visibility timeout, and its locks expire
  after their ttl. ``stop()`` sends SIGTERM to the main process (a worker's warm shutdown finishes the
  tasks it is running) and SIGKILL to the group after ``grace`` seconds.

Key prefix: with ``key_prefix`` the processes get ``REDIS_KEY_PREFIX``, and ``celery_app()``/``send()``
put Celery's keys under it (kombu's ``global_keyprefix``); ``hub.settings`` applies the same prefix to
the broker, the cache and the scheduler's keys, so the processes are isolated from others on the same
Redis. Without ``key_prefix`` the processes run with the settings' own keys, as production does.
"""

import atexit
import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

from celery import Celery

from schedules.queues import Queue

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent  # where ``-A hub`` imports from
ALL_QUEUES = tuple(queue.value for queue in Queue)
READY_TIMEOUT = 60.0  # seconds a process may take to say it is ready (imports, connecting, a busy machine)
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
READY_LOG_LEVELS = frozenset({"DEBUG", "INFO"})  # the ready lines are logged at INFO


class ProcessFailed(RuntimeError):
    """A process exited before it was ready, or was not ready in time; the message ends with its log."""


@dataclass(frozen=True)
class Environment:
    """What the processes run with. Only ``database_url`` and ``redis_url`` are required."""

    database_url: str
    redis_url: str
    key_prefix: str | None = None  # REDIS_KEY_PREFIX; None leaves the settings' own
    settings_module: str = "hub.settings"
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # more variables, as strings
    app: str = "hub"  # the Celery app (``celery -A``)

    @classmethod
    def from_settings(cls, **fields: Any) -> "Environment":
        """This process's database and Redis (under pytest-django: the test database), as configured now."""
        from django.conf import settings
        from django.db import connection

        values = {"database_url": database_url(connection.settings_dict), "redis_url": settings.REDIS_URL,
                  "key_prefix": getattr(settings, "REDIS_KEY_PREFIX", None)}  # fmt: skip
        return cls(**{**values, **fields})

    def variables(self) -> dict[str, str]:
        """The environment of a process: this one's, with the hub's connections and ``extra`` set."""
        if not self.redis_url:
            raise ValueError("Celery workers and beat need a Redis URL (REDIS_URL).")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": self.settings_module, "DATABASE_URL": self.database_url,
               "REDIS_URL": self.redis_url, "PYTHONUNBUFFERED": "1"}  # fmt: skip
        if self.key_prefix is not None:
            env["REDIS_KEY_PREFIX"] = self.key_prefix
        env.update({name: str(value) for name, value in self.extra.items()})
        return env

    def celery_app(self) -> Celery:
        """A Celery app that sends to these processes' broker, under their key prefix (not this process's
        own app, whose settings may point elsewhere). Close it after use (``app.close()``)."""
        from hub.celery import app as hub_app

        app = Celery(f"{self.app}-client", broker=self.redis_url, set_as_current=False)
        app.conf.broker_transport_options = {"global_keyprefix": self.key_prefix} if self.key_prefix else {}
        app.conf.task_routes = hub_app.conf.task_routes
        app.conf.task_default_queue = hub_app.conf.task_default_queue
        return app


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A Django database's settings as the ``DATABASE_URL`` that ``hub.settings`` parses back."""
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    if not engine.endswith("postgresql"):
        raise ValueError(f"No URL for the database engine {engine!r}.")
    user, password = settings_dict.get("USER") or "", settings_dict.get("PASSWORD") or ""
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    host = quote(settings_dict.get("HOST") or "", safe="")  # empty: the default socket; a path: that socket
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    options = {key: value for key, value in (settings_dict.get("OPTIONS") or {}).items() if isinstance(value, str)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgresql://{credentials + '@' if credentials else ''}{host}{port}/{quote(name, safe='')}{query}"


class ManagedProcess:
    """One process, its log and its readiness. Made by ``ProcessGroup``; can also stand alone."""

    def __init__(self, name: str, argv: list[str], *, env: Mapping[str, str], log_path: Path,
                 ready: re.Pattern, kind: str = "process", cwd: Path = ROOT) -> None:  # fmt: skip
        self.name, self.kind, self.argv, self.env, self.log_path, self.ready_pattern, self.cwd = (
            name, kind, argv, dict(env), log_path, ready, cwd)  # fmt: skip
        self.popen: subprocess.Popen | None = None
        self.ready = False
        self.expected = False  # started and not stopped or killed since: it should become ready
        self.starts = 0
        self._log_start = 0  # where this run's output begins in the log

    def __repr__(self) -> str:
        state = "ready" if self.ready else "running" if self.running else "stopped"
        return f"<{type(self).__name__} {self.name} pid={self.pid} {state}>"

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> "ManagedProcess":
        """Start it (in a session of its own) if it is not running; readiness is ``wait_ready``'s."""
        if self.running:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {self.name}: start {self.starts + 1} at {time.strftime('%H:%M:%S')} ===\n".encode())
            log.flush()
            self._log_start = log.tell()
            self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603 - our own argv
                                          env=self.env, cwd=self.cwd, start_new_session=True)  # fmt: skip
        self.ready, self.expected = False, True
        self.starts += 1
        logger.info("Started %s (pid %s), log %s", self.name, self.pid, self.log_path)
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> "ManagedProcess":
        """Return once this run of the process logged its ready line; ProcessFailed if it exits or times out."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.ready_pattern.search(self.output()):
                self.ready = True
                break
            if not self.running:
                code = self.popen.returncode if self.popen else None
                raise ProcessFailed(f"{self.name} exited (code {code}) before it was ready.\n{self.tail()}")
            if time.monotonic() > deadline:
                raise ProcessFailed(f"{self.name} was not ready within {timeout:g} s.\n{self.tail()}")
            time.sleep(0.05)
        return self

    def output(self) -> str:
        """What this run of the process has logged so far."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_start)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 40) -> str:
        """The last lines of the log (every run's), headed by the process's name, for a failure message."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        return f"--- {self.name} ({self.log_path}), last {lines} lines ---\n" + "\n".join(text.splitlines()[-lines:])

    def owns(self, pid: int) -> bool:
        """Whether ``pid`` is this process or one it started (a prefork pool process, say) and still runs."""
        if not self.running:
            return False
        try:
            return os.getpgid(pid) == self.pid
        except ProcessLookupError:
            return False

    def kill(self) -> None:
        """SIGKILL the process and everything in its process group, at once; wait until it is gone."""
        if self.popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self.popen.wait()
        self.ready = self.expected = False
        logger.info("Killed %s (pid %s)", self.name, self.pid)

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM to the main process only: a worker's warm shutdown)."""
        self.expected = False
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)

    def stop(self, grace: float = STOP_GRACE) -> int | None:
        """SIGTERM, then SIGKILL whatever is left of the group after ``grace`` seconds; the exit code."""
        if self.popen is None:
            return None
        self.terminate()
        self.reap(time.monotonic() + grace)
        return self.popen.returncode

    def restart(self, *, wait: bool = True, timeout: float = READY_TIMEOUT) -> "ManagedProcess":
        """Start it again (killing it first if it still runs); with ``wait``, until it is ready again."""
        if self.running:
            self.kill()
        self.start()
        return self.wait_ready(timeout) if wait else self

    def reap(self, deadline: float) -> None:
        """Wait until the process has exited (after ``terminate``), SIGKILLing the group at ``deadline``
        (``time.monotonic()``) if it has not; then kill any process it left behind."""
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within its grace period; killing it", self.name)
        self._signal_group(signal.SIGKILL)  # also the pool processes a stopped main process left behind
        self.popen.wait()
        self.ready = False

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)


class ProcessGroup:
    """Workers and beats sharing one ``Environment``; a context manager that stops them all on exit.

    ``directory`` holds the logs and beat schedules (a new temporary directory by default, kept
    afterwards so the logs can be read). Processes are named; ``group[name]`` is one of them.
    """

    def __init__(self, env: Environment, *, directory: str | Path | None = None) -> None:
        self.env = env
        self.directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="hub-processes-"))
        self.processes: dict[str, ManagedProcess] = {}
        self._variables = env.variables()
        self._client: Celery | None = None
        self._stops_at_exit = False

    def __enter__(self) -> "ProcessGroup":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __getitem__(self, name: str) -> ManagedProcess:
        return self.processes[name]

    def __iter__(self) -> Iterator[ManagedProcess]:
        return iter(list(self.processes.values()))

    def start_worker(self, name: str = "worker", *, queues: Iterable[str] = ALL_QUEUES, concurrency: int = 1,
                     pool: str = "prefork", loglevel: str = "INFO", args: Iterable[str] = ()) -> ManagedProcess:  # fmt: skip
        """Start ``celery worker`` as node ``<name>@<host>`` consuming ``queues``.

        Gossip and mingle are off: they only slow a start down and chat over the broker, and the hub
        needs neither (locks and rate limits live in Redis and the database). ``args`` go to the command
        as they are (``["--max-tasks-per-child", "100"]``, say).
        """
        _check_loglevel(loglevel)
        node = f"{name}@{socket.gethostname()}"
        argv = [*self._celery(), "worker", "--hostname", node, "--queues", ",".join(queues), "--concurrency",
                str(concurrency), "--pool", pool, "--loglevel", loglevel, "--without-gossip", "--without-mingle", *args]  # fmt: skip
        return self._start(name, "worker", argv, re.compile(rf"\b{re.escape(node)} ready\."))

    def start_beat(self, name: str = "beat", *, loglevel: str = "INFO", args: Iterable[str] = ()) -> ManagedProcess:
        """Start ``celery beat`` with a schedule file of its own in the group's directory."""
        _check_loglevel(loglevel)
        schedule = self.directory / f"{name}-schedule"
        argv = [*self._celery(), "beat", "--schedule", str(schedule), "--loglevel", loglevel, *args]
        return self._start(name, "beat", argv, re.compile(r"beat: Starting\.\.\."))

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until every process started (and not stopped or killed since) is ready; they start in
        parallel, so one deadline serves all. ProcessFailed, with its log, for one that exits or is late."""
        deadline = time.monotonic() + timeout
        for process in self:
            if process.expected and not process.ready:
                process.wait_ready(max(0.0, deadline - time.monotonic()))

    def holder_of(self, pid: int) -> ManagedProcess | None:
        """The process that ``pid`` belongs to (itself or one of its pool processes), if any."""
        return next((process for process in self if process.owns(pid)), None)

    def send(self, task: str, *args: Any, queue: str | None = None, **kwargs: Any) -> str:
        """Queue ``task`` (by name) for these workers, routed as the hub routes it unless ``queue``; its id."""
        if self._client is None:
            self._client = self.env.celery_app()
        return self._client.send_task(task, args=args, kwargs=kwargs, queue=queue).id

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop every process: SIGTERM to all at once, then SIGKILL what is left after ``grace`` seconds.
        Beats first, so no tick queues work for workers that are going."""
        deadline = time.monotonic() + grace
        ordered = sorted(self, key=lambda process: process.kind != "beat")
        for process in ordered:
            process.terminate()
        for process in ordered:
            process.reap(deadline)
        atexit.unregister(self._stop_at_exit)
        self._stops_at_exit = False
        if self._client is not None:
            self._client.close()
            self._client = None

    def log_tails(self, lines: int = 40) -> str:
        """The tail of every process's log, for a failure message."""
        return "\n".join(process.tail(lines) for process in self)

    def _celery(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", self.env.app]

    def _start(self, name: str, kind: str, argv: list[str], ready: re.Pattern) -> ManagedProcess:
        if name in self.processes and self.processes[name].running:
            raise ValueError(f"A process named {name!r} is running already.")
        process = ManagedProcess(name, argv, env=self._variables, log_path=self.directory / f"{name}.log",
                                 ready=ready, kind=kind)  # fmt: skip
        self.processes[name] = process
        if not self._stops_at_exit:  # an interpreter that exits leaves no worker behind
            atexit.register(self._stop_at_exit)
            self._stops_at_exit = True
        return process.start()

    def _stop_at_exit(self) -> None:
        self.stop(grace=2.0)


def _check_loglevel(loglevel: str) -> None:
    if loglevel.upper() not in READY_LOG_LEVELS:
        raise ValueError(f"Readiness is read from the log at INFO; {loglevel!r} would hide it (use INFO or DEBUG).")
