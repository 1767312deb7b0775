"""The X API gateway: the only package that talks to X (and the only one importing tweepy)."""
