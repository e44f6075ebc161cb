"""Benchmarks: each module with a ``main()`` prints its figures; ``bench/run.py`` runs them all.

They measure, they do not judge: there are no thresholds, because the figures depend on the machine.
"""
