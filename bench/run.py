"""Run every benchmark in bench/ (each module with a ``main()``) and print its figures.

Usage, from the repository root: ``.venv/bin/python bench/run.py [module ...]`` (``make bench``).
No pass/fail: a benchmark prints numbers for a person to read. A benchmark that crashes is reported
and the others still run; the exit status is then non-zero.
"""

import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
NOT_BENCHMARKS = frozenset({"run"})


def _use_repository_root() -> None:
    """``python bench/run.py`` puts bench/ itself first on sys.path; ``bench.x`` and ``hub`` need the root."""
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
    sys.path.insert(0, str(ROOT))


def benchmark_names(only: list[str]) -> list[str]:
    """The benchmark modules in bench/, in name order, or just ``only`` if names were given."""
    found = sorted(
        info.name
        for info in pkgutil.iter_modules([str(BENCH_DIR)])
        if info.name not in NOT_BENCHMARKS and not info.name.startswith("_")
    )
    unknown = sorted(set(only) - set(found))
    if unknown:
        raise SystemExit(f"No benchmark named {', '.join(unknown)}; there are: {', '.join(found)}")
    return [name for name in found if not only or name in only]


def run_one(name: str) -> bool:
    """Import ``bench.<name>`` and call its ``main()``; False if it crashed (the traceback goes to stderr)."""
    try:
        module = importlib.import_module(f"bench.{name}")
        entry = getattr(module, "main", None)
        if callable(entry):
            entry()
    except Exception as exc:
        print(f"{name}: crashed ({type(exc).__name__}: {exc})")
        traceback.print_exc(file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    _use_repository_root()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the figures, not every task the benchmarks run
    import django

    django.setup()
    results = [run_one(name) for name in benchmark_names(argv)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
