"""The `brandbot` command line (typer)."""
