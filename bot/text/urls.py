"""Find URLs the way X does (twitter-text v3 extraction rules), for counting and for sanitising.

Two modes:

* strict (default) follows twitter-text: a URL needs a known top-level domain (IANA list in
  `tlds.txt`, Unicode and punycode forms), cannot follow a letter, digit, `@`, `$` or `#`;
  without `http(s)://` only Latin-script domains count, cannot follow `-_./`, and a bare
  two-label domain on a country code (`bit.ly`) is a URL only with a path (`co`/`tv` always
  are). A host label longer than 63 characters once punycode-encoded is not a URL.
* loose (`loose=True`) is what the sanitiser uses: any `label.tld` with a known TLD, wherever
  it sits, with or without a path — it errs on the side of finding too many.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# Characters that can never be part of a host: ASCII punctuation, whitespace, controls,
# zero-width/format and directional characters, and the characters X rejects.
_NOT_DOMAIN = (
    r"\s\x00-\x1f\x7f-\x9f!-/:-@\[-`{-~"
    r"\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufffe\uffff"
)
_DC = f"[^{_NOT_DOMAIN}]"
_LABEL = f"{_DC}(?:[-_]*{_DC})*"
_CANDIDATE = re.compile(
    rf"(?<![^{_NOT_DOMAIN}])(?P<proto>https?://)?(?P<host>(?:{_LABEL}\.)+{_LABEL})",
    re.IGNORECASE,
)

_LATIN = (
    r"a-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f"
    r"\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_ASCII_DOMAIN_SUFFIX = re.compile(rf"(?:[\-{_LATIN}]+\.)+[\-{_LATIN}]+\Z", re.IGNORECASE)

_PATH_CHARS = r"a-z0-9\u00c0-\u024f\u0400-\u04ff!*';:=+,.$/%#\[\]\-\u2013_~|&@"
_PATH_END = r"a-z0-9\u00c0-\u024f\u0400-\u04ff=_#/+\-"
_QUERY_CHARS = r"a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@"
_QUERY_END = r"a-z0-9\-_&=#/"
_TAIL = re.compile(
    r"(?P<port>:[0-9]+)?"
    rf"(?P<path>/(?:(?:[{_PATH_CHARS}]|\([{_PATH_CHARS}]*\))*(?:[{_PATH_END}]|\([{_PATH_CHARS}]*\)))?)?"
    rf"(?P<query>\?[{_QUERY_CHARS}]*[{_QUERY_END}])?",
    re.IGNORECASE,
)

_INVALID_BEFORE = frozenset("@＠$#＃\ufffe\ufeff\uffff")
_INVALID_BEFORE_BARE = frozenset("-_./")
_SPECIAL_CC = frozenset({"co", "tv"})
_MAX_LABEL = 63


@cache
def top_level_domains() -> frozenset[str]:
    """Every known top-level domain, lower-cased, in ASCII (`xn--…`) and Unicode form."""
    text = resources.files("bot.text").joinpath("tlds.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _label_ok(label: str) -> bool:
    if not label:
        return False
    if label.isascii():
        return len(label) <= _MAX_LABEL
    try:
        encoded = "xn--" + label.lower().encode("punycode").decode("ascii")
    except UnicodeError:
        return False
    return len(encoded) <= _MAX_LABEL


def _valid_host(labels: list[str]) -> int:
    """How many leading labels form a host ending in a known TLD (0 if none)."""
    tlds = top_level_domains()
    for n in range(len(labels), 1, -1):
        if labels[n - 1].lower() in tlds:
            return n
    return 0


def find_urls(text: str, *, loose: bool = False) -> list[tuple[int, int]]:
    """Return the `(start, end)` code-point spans of every URL in `text`, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _CANDIDATE.search(text, pos)
        if m is None:
            return spans
        pos = m.end()
        span = _check(text, m, loose=loose)
        if span is not None:
            spans.append(span)
            pos = span[1]


def _check(text: str, m: re.Match[str], *, loose: bool) -> tuple[int, int] | None:
    proto = m.group("proto")
    host = m.group("host")
    start = m.start()
    labels = host.split(".")
    n = _valid_host(labels)
    if n == 0:
        return None
    host = ".".join(labels[:n])
    if not proto:
        suffix = _ASCII_DOMAIN_SUFFIX.search(host)
        if suffix is None:
            if not loose:
                return None
        else:
            start += suffix.start()
            host = host[suffix.start() :]
            labels = host.split(".")
            n = len(labels)
    host_start = m.start("host") if proto else start
    host_end = host_start + len(host)
    after = text[host_end : host_end + 1]
    if not loose:
        before = text[start - 1 : start]
        if before and (before in _INVALID_BEFORE or (not proto and before in _INVALID_BEFORE_BARE)):
            return None
        if after and after in "@+-":
            return None
        if not all(_label_ok(label) for label in labels[:n]):
            return None
    tail = _TAIL.match(text, host_end)
    end = tail.end() if tail else host_end
    if not loose and not proto and tail is not None and not tail.group("path"):
        tld = labels[n - 1].lower()
        if n == 2 and len(tld) == 2 and tld.isascii() and tld not in _SPECIAL_CC:
            return None
    return (start, end)


def _js_pattern(pattern: re.Pattern[str]) -> str:
    """`pattern` in JavaScript's syntax (flags `iu`): named groups and the end anchor are spelled differently."""
    return pattern.pattern.replace("(?P<", "(?<").replace(r"\Z", "$")


def browser_rules() -> dict[str, object]:
    """The strict finder's patterns and lists for the dashboard's live counter (`bot/web/static/app.js`,
    which ports `find_urls` and `_check` and builds its regular expressions from these, case-insensitive)."""
    return {
        "candidate": _js_pattern(_CANDIDATE),
        "asciiDomainSuffix": _js_pattern(_ASCII_DOMAIN_SUFFIX),
        "tail": _js_pattern(_TAIL),
        "invalidBefore": "".join(sorted(_INVALID_BEFORE)),
        "invalidBeforeBare": "".join(sorted(_INVALID_BEFORE_BARE)),
        "specialCountryCodes": sorted(_SPECIAL_CC),
        "maxLabel": _MAX_LABEL,
        "tlds": sorted(top_level_domains()),
    }


def contains_url(text: str, *, loose: bool = False) -> bool:
    """Whether `text` contains at least one URL."""
    return bool(find_urls(text, loose=loose))
