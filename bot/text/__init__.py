"""Text rules for posts: X's weighted length, URL finding and sanitising untrusted values."""
