"""docker-compose.yml, read as Compose would: every queue has a worker, bulk work has workers of its own."""

from pathlib import Path

import yaml

from schedules.queues import Queue

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[1] / "docker-compose.yml").read_text())


def queues_of(service: dict) -> set[str]:
    command = service.get("command", [])
    return set(command[command.index("-Q") + 1].split(",")) if "worker" in command else set()


def test_every_queue_is_served_and_bulk_work_never_holds_up_syncs():
    services = COMPOSE["services"]
    served = {name: queues_of(service) for name, service in services.items() if queues_of(service)}

    assert set().union(*served.values()) == {queue.value for queue in Queue}
    assert [name for name, queues in served.items() if Queue.BULK in queues] == ["worker-bulk"]
    assert served["worker-bulk"] == {Queue.BULK}
    assert sum("beat" in service.get("command", []) for service in services.values()) == 1
