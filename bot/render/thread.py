"""Split text that is too long for one post into a numbered thread ("… (1/3)")."""

from __future__ import annotations

import re

from bot.text.weighted import MAX_WEIGHTED_LENGTH, weighted_length

_WORDS = re.compile(r"\S+")


def _suffix(i: int, n: int) -> str:
    return f" ({i}/{n})"


def _hard_split(word: str, budget: int) -> list[str]:
    """Cut one over-long word into pieces of at most `budget` weighted characters."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and weighted_length(current + char) > budget:
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def _pack(words: list[str], n: int) -> list[str]:
    budget = MAX_WEIGHTED_LENGTH - len(_suffix(n, n))
    parts: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if weighted_length(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
        if weighted_length(word) <= budget:
            current = word
        else:
            *full, current = _hard_split(word, budget)
            parts.extend(full)
    if current:
        parts.append(current)
    return parts


def split_thread(text: str) -> tuple[str, ...]:
    """Split `text` at word boundaries into parts that each fit 280 with their "(i/n)" suffix.

    Whitespace between words becomes a single space. Text that already fits is returned as one
    part without a suffix.
    """
    if weighted_length(text) <= MAX_WEIGHTED_LENGTH:
        return (text,)
    words = _WORDS.findall(text)
    n = 2
    while True:
        parts = _pack(words, n)
        if len(str(len(parts))) <= len(str(n)):
            total = len(parts)
            return tuple(f"{part}{_suffix(i, total)}" for i, part in enumerate(parts, 1))
        n = len(parts)
