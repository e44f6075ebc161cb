"""Django project and core domain of the channel hub."""

from hub.celery import app as celery_app

__all__ = ["celery_app"]
