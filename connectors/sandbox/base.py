"""What every channel sandbox shares: a threaded HTTP server on loopback, a tiny router, a request log,
and faults it can be told to inject (429s, 500s, slow answers, malformed records).

A sandbox is plain Python (no Django), so the real client libraries talk to it over real HTTP in
tests, in ``make demo`` and from ``manage.py run_sandbox``. Control endpoints, the same on every
channel:

- ``POST /_sandbox/load``   a body in the channel's own response format; its records are added
- ``POST /_sandbox/faults`` ``{"rate_limit_every": 3, "error_every": 5, "delay": 0.2, "retry_after": 1,
  "malformed": ["ORDER-ID"], "reject_credentials": false, "fail_ratio": 0.3, "fail_kinds": ["429", "500",
  "timeout"], "stall": 2, "seed": 7}``; ``{}`` clears them
- ``GET  /_sandbox/state``  what the channel holds and what it was sent (stock, shipments), as JSON
- ``POST /_sandbox/reset``  forget everything

Every API call is logged twice: ``calls`` holds ``(method, path, status)``, and ``call_log`` the same with
the moment it arrived (``Call.at``, ``time.monotonic()``), from which a test reads the calls per second
each operation got.
"""

import abc
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(status, body, {"Content-Type": "application/json", **headers})


FAIL_KINDS = ("429", "500", "timeout")


@dataclass
class Faults:
    """What the sandbox does wrong, and how often.

    ``rate_limit_every``/``error_every`` fail every Nth call, deterministically. ``fail_ratio`` fails that
    share of calls at random (drawn from a generator seeded with ``seed``, so a run repeats), each with one of
    ``fail_kinds`` drawn evenly: "429" (with ``retry_after``), "500", or "timeout": the call stalls for
    ``stall`` seconds (set it beyond the client's timeout) and is then answered 504 without being carried
    out, as a gateway that gave up would. ``delay`` slows every call.
    """

    rate_limit_every: int = 0  # every Nth call answers 429
    error_every: int = 0  # every Nth call answers 500
    delay: float = 0.0  # seconds before every answer
    retry_after: float = 1.0  # what the 429s say
    malformed: set[str] = field(default_factory=set)  # record ids served broken
    reject_credentials: bool = False  # every call answers 401/403
    fail_ratio: float = 0.0  # this share of calls fails, at random, with one of fail_kinds
    fail_kinds: tuple[str, ...] = FAIL_KINDS
    stall: float = 5.0  # seconds a "timeout" holds the call before its 504
    seed: int | None = None  # of the generator behind fail_ratio
    rng: random.Random | None = field(default=None, repr=False, compare=False)  # made from seed when None

    def __post_init__(self) -> None:
        if not 0 <= self.fail_ratio <= 1:
            raise ValueError(f"fail_ratio is a share of calls, from 0 to 1, not {self.fail_ratio}.")
        unknown = set(self.fail_kinds) - set(FAIL_KINDS)
        if unknown or not self.fail_kinds:
            raise ValueError(f"fail_kinds are some of {', '.join(FAIL_KINDS)}, not {sorted(unknown) or 'none'}.")
        self.fail_kinds = tuple(self.fail_kinds)
        if self.rng is None:
            self.rng = random.Random(self.seed)  # noqa: S311 - fault injection, not cryptography

    @classmethod
    def from_json(cls, data: dict) -> "Faults":
        return cls(
            rate_limit_every=int(data.get("rate_limit_every", 0)), error_every=int(data.get("error_every", 0)),
            delay=float(data.get("delay", 0)), retry_after=float(data.get("retry_after", 1)),
            malformed=set(data.get("malformed", ())), reject_credentials=bool(data.get("reject_credentials", False)),
            fail_ratio=float(data.get("fail_ratio", 0)), fail_kinds=tuple(data.get("fail_kinds", FAIL_KINDS)),
            stall=float(data.get("stall", 5)), seed=data.get("seed"),
        )  # fmt: skip

    def draw(self, n: int) -> str | None:
        """The fault call number ``n`` gets ("429", "500", "timeout"), or None. The caller holds the lock."""
        if self.rate_limit_every and n % self.rate_limit_every == 0:
            return "429"
        if self.error_every and n % self.error_every == 0:
            return "500"
        if self.fail_ratio and self.rng.random() < self.fail_ratio:
            return self.rng.choice(self.fail_kinds)
        return None


@dataclass(frozen=True)
class Call:
    """One API call as the sandbox saw it: when it arrived (``time.monotonic()``), what, and its answer."""

    at: float
    method: str
    path: str
    status: int


Handler = Callable[[Request, re.Match], Response]


class SandboxApp(abc.ABC):
    """A channel's API surface. Subclasses add routes in ``__init__`` and implement ``load``/``state``."""

    name = "sandbox"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = Faults()
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status) of every API call
        self.call_log: list[Call] = []  # the same calls with the moment each arrived
        self._counter = 0
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self.route("POST", r"/_sandbox/load", lambda r, m: json_response(self.load(r.json())))
        self.route("POST", r"/_sandbox/faults", self._set_faults)
        self.route("GET", r"/_sandbox/state", lambda r, m: json_response(self.state()))
        self.route("POST", r"/_sandbox/reset", lambda r, m: json_response(self.reset()))

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    @abc.abstractmethod
    def load(self, data: Any) -> dict:
        """Add the records of a body in the channel's own response format; say how many."""

    @abc.abstractmethod
    def state(self) -> dict:
        """What the channel holds and what it was sent, as JSON."""

    def reset(self) -> dict:
        with self.lock:
            self.faults, self.calls, self.call_log, self._counter = Faults(), [], [], 0
        return {"reset": True}

    def _set_faults(self, request: Request, match: re.Match) -> Response:
        with self.lock:
            self.faults = Faults.from_json(request.json() or {})
            self._counter = 0  # "every Nth call" counts from now
        return json_response({"faults": request.json() or {}})

    def dispatch(self, request: Request) -> Response:
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                if request.path.startswith("/_sandbox/"):
                    return handler(request, match)
                arrived = time.monotonic()
                response = self._fault() or self._authorise(request) or handler(request, match)
                with self.lock:
                    self.calls.append((request.method, request.path, response.status))
                    self.call_log.append(Call(arrived, request.method, request.path, response.status))
                return response
        return json_response({"errors": [{"code": "NotFound", "message": f"No route {request.method} {request.path}"}]}, 404)

    def _fault(self) -> Response | None:
        with self.lock:
            self._counter += 1
            faults = self.faults
            fault = faults.draw(self._counter)
        if faults.delay:
            time.sleep(faults.delay)
        if fault == "429":
            return self.rate_limited(faults.retry_after)
        if fault == "500":
            return json_response({"errors": [{"code": "InternalFailure", "message": "We encountered an internal error."}]}, 500)
        if fault == "timeout":
            time.sleep(faults.stall)
            return json_response({"errors": [{"code": "GatewayTimeout", "message": "The request timed out."}]}, 504)
        return None

    def rate_limited(self, retry_after: float) -> Response:
        return json_response({"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota."}]}, 429,
                             **{"Retry-After": f"{retry_after:g}"})  # fmt: skip

    def _authorise(self, request: Request) -> Response | None:
        if self.faults.reject_credentials:
            return json_response({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}, 403)
        return self.authorise(request)

    def authorise(self, request: Request) -> Response | None:
        """A channel checks its own credentials here; None lets the call through."""
        return None


def _handler_for(app: SandboxApp) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stall per keep-alive call

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()),
                              self.rfile.read(length) if length else b"")  # fmt: skip
            try:
                response = app.dispatch(request)
            except Exception as exc:
                logger.exception("%s sandbox failed on %s %s", app.name, self.command, self.path)
                response = json_response({"errors": [{"code": "SandboxError", "message": str(exc)}]}, 500)
            body = response.encoded()
            self.send_response(response.status)
            for key, value in {"Content-Length": str(len(body)), **response.headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s sandbox: " + format, app.name, *args)

    return RequestHandler


class SandboxServer:
    """Serves a ``SandboxApp`` on 127.0.0.1 in a background thread; a context manager."""

    def __init__(self, app: SandboxApp, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(app))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{app.name}-sandbox", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SandboxServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
