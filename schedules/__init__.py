"""Celery tasks and beat schedule: sync orchestration, locks, rate limiter, retries, bulk jobs."""
