"""Racing real threads against the database: every worker starts at once behind a barrier."""

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def race(workers: list[Callable[[], object]], *, timeout: float = 60) -> list[object]:
    """Run the workers in threads started together; return what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(work):
        try:
            barrier.wait()
            result = work()
        except Exception as exc:
            result = exc
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return outcomes
