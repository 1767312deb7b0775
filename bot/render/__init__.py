"""Render events and canned replies into posts in a persona's voice (Jinja2, sandboxed)."""
