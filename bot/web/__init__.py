"""The web side: the staff dashboard and the event webhook (FastAPI)."""
