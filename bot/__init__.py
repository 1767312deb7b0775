"""brandbot: runs a brand's X account as a first-person persona."""

__version__ = "0.1.0"
