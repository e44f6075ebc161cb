"""The sandboxes' random faults and timed call log (``connectors.sandbox.base``), which the scheduler's
process tests rely on: a seeded share of calls failing with 429s, 500s and timeouts, and when each call
arrived."""

import time
from collections import Counter

import pytest

from connectors.sandbox.base import Faults, Request, SandboxApp, json_response


class Echo(SandboxApp):
    """A sandbox with one API call, ``GET /ping``, that counts what it carried out."""

    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.done = 0
        self.route("GET", r"/ping", self._ping)

    def _ping(self, request, match):
        self.done += 1
        return json_response({"pong": self.done})

    def load(self, data):
        return {}

    def state(self):
        return {"done": self.done}


def ping(app: SandboxApp) -> int:
    return app.dispatch(Request("GET", "/ping", {}, {}, b"")).status


def test_a_seeded_share_of_calls_fails_with_each_kind_of_fault_and_repeats_with_its_seed():
    app = Echo()
    app.faults = Faults(fail_ratio=0.3, stall=0, seed=11)
    statuses = [ping(app) for _ in range(1000)]

    counts = Counter(statuses)
    assert 250 < sum(counts[s] for s in (429, 500, 504)) < 350  # about 30%
    assert all(counts[s] > 60 for s in (429, 500, 504))  # each kind about a third of them
    assert app.done == counts[200]  # a failed call changed nothing, a timed-out one included

    again = Echo()
    again.faults = Faults(fail_ratio=0.3, stall=0, seed=11)
    assert [ping(again) for _ in range(1000)] == statuses


def test_a_timeout_stalls_past_the_clients_patience_and_is_not_carried_out():
    app = Echo()
    app.faults = Faults(fail_ratio=1, fail_kinds=("timeout",), stall=0.2)

    started = time.monotonic()
    assert ping(app) == 504
    assert time.monotonic() - started >= 0.2
    assert app.done == 0


def test_faults_check_what_they_are_given():
    with pytest.raises(ValueError, match="share of calls"):
        Faults(fail_ratio=1.5)
    with pytest.raises(ValueError, match="fail_kinds"):
        Faults(fail_kinds=("503",))
    assert Faults.from_json({"fail_ratio": 0.2, "fail_kinds": ["500"], "stall": 3, "seed": 4}).fail_kinds == ("500",)


def test_every_call_is_logged_with_when_it_arrived():
    app = Echo()
    before = time.monotonic()
    ping(app)
    ping(app)

    assert [(call.method, call.path, call.status) for call in app.call_log] == [("GET", "/ping", 200)] * 2
    assert before <= app.call_log[0].at <= app.call_log[1].at <= time.monotonic()
    assert app.calls == [("GET", "/ping", 200)] * 2  # the untimed log, as before
    app.reset()
    assert app.call_log == app.calls == []
