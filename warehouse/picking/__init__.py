"""Picking: picklists built from allocated orders, handed to one picker at a time, walked bin by bin."""
