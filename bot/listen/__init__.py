"""Listening: mentions and brand searches → stored, classified, routed to triage and follow decisions."""
