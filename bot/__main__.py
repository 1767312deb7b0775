"""`python -m bot` is the same as the `brandbot` console script."""

from bot.cli.main import main

if __name__ == "__main__":
    main()
