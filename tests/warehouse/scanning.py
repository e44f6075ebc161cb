"""Driving the scanner pages from the Django test client, as scanner.js does."""

import uuid

from django.test import Client

JSON = {"Accept": "application/json"}


def send(client, url, key="", **fields):
    """One scan or button press as scanner.js sends it: JSON, with a fresh idempotency key."""
    headers = {**JSON, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post(url, fields, content_type="application/json", headers=headers)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
