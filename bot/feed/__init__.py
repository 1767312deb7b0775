"""The event feed: validated events from webhooks, RSS and NDJSON."""
