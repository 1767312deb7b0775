"""One anecdote a day from `templates/<persona>/anecdotes.toml`, never repeated within a cycle.

File format: an array of tables, each with a unique `id`, the default-locale `text` and
optional translations `text_<locale>`::

    [[anecdotes]]
    id = "bell-of-saint-jean"
    text = "The bell of Saint-Jean once rang by itself…"
    text_fr = "La cloche de Saint-Jean a sonné toute seule…"
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ValidationError


@dataclass(frozen=True)
class Anecdote:
    """One story: its id, default text and translations by locale."""

    id: str
    text: str
    translations: dict[str, str] = field(default_factory=dict)

    def text_for(self, locale: str | None) -> str:
        """The text in `locale`, or the default text when there is no translation."""
        return self.translations.get(locale or "", self.text)


def load_anecdotes(path: Path) -> list[Anecdote]:
    """Read an anecdote library; raise `ValidationError` on a missing/duplicate id or empty text."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read anecdotes: {exc}") from None
    items = raw.get("anecdotes")
    if not isinstance(items, list) or not items:
        raise ValidationError(f"{path}: no [[anecdotes]]")
    library: list[Anecdote] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        ident, text = item.get("id"), item.get("text")
        if not isinstance(ident, str) or not ident or ident in seen:
            raise ValidationError(f"{path}: anecdote {n} has a missing or duplicate id")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"{path}: anecdote {ident!r} has no text")
        seen.add(ident)
        translations = {k.removeprefix("text_"): str(v) for k, v in item.items() if k.startswith("text_")}
        library.append(Anecdote(id=ident, text=text, translations=translations))
    return library


def choose_anecdote(library: list[Anecdote], used_ids: set[str], rng_seed: int) -> Anecdote:
    """Pick an anecdote whose id is not in `used_ids` (this cycle's picks), deterministically from `rng_seed`.

    When every id has been used the library is exhausted and a new cycle starts: the pick is
    made from the whole library (see `record_use`, which resets the used set then).
    """
    if not library:
        raise ValidationError("the anecdote library is empty")
    fresh = [a for a in library if a.id not in used_ids] or list(library)
    return random.Random(rng_seed).choice(sorted(fresh, key=lambda a: a.id))


def record_use(library: list[Anecdote], used_ids: set[str], chosen: Anecdote) -> set[str]:
    """The used set after publishing `chosen`: starts afresh once every id has been used."""
    ids = {a.id for a in library}
    if ids <= used_ids:
        return {chosen.id}
    return (used_ids & ids) | {chosen.id}
