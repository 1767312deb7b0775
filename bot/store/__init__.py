"""Persistence: SQLModel tables, the engine factory, migrations and repository functions."""
