"""Cycle counts: bins counted by scanning, differences posted as adjustments or approved by a supervisor."""
