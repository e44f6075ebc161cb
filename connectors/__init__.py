"""One package per sales channel behind one interface. Knows nothing of Django models: it turns
channel payloads into neutral dataclasses and back (see ``connectors/base.py``)."""
