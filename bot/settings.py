"""One explicit, frozen settings object, read from the environment and an optional `.env`.

Built once in the entry point (`load_settings`) and passed down; nothing reads
`os.environ` anywhere else. Every problem is collected and reported together.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.errors import ConfigError

TIERS = ("free", "basic", "pro", "payg", "enterprise")
REAL_API_BASE_URL = "https://api.twitter.com"
#: Hosts of the real X API (either spelling): talking to them needs real credentials.
REAL_API_HOSTS = ("api.twitter.com", "api.x.com")


def is_real_api(base_url: str) -> bool:
    """True when `base_url` is X's own API (https, no path) rather than the sandbox or an emulator."""
    parts = urlsplit(base_url.rstrip("/"))
    return parts.scheme == "https" and parts.netloc in REAL_API_HOSTS and parts.path in ("", "/")


MISSING_CREDENTIALS = (
    "X credentials: live mode (X_API_BASE_URL is the real API) needs OAuth 1.0a keys "
    "(X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or "
    "X_OAUTH2_USER_TOKEN; or run `brandbot run --sandbox`"
)
#: The same for any other X_API_BASE_URL (an emulator, `brandbot sandbox serve`): the X client needs keys there too.
MISSING_OTHER_API_CREDENTIALS = (
    "X credentials: X_API_BASE_URL {url} needs OAuth 1.0a keys (X_CONSUMER_KEY, X_CONSUMER_SECRET, "
    "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or X_OAUTH2_USER_TOKEN too (`brandbot sandbox serve` accepts any "
    "four OAuth 1.0a keys); or run `brandbot run --sandbox`"
)
LOG_FORMATS = ("json", "console", "auto")


@dataclass(frozen=True, slots=True)
class XCredentials:
    """OAuth 1.0a user context (four keys) or an OAuth 2.0 user token with its refresh token."""

    consumer_key: str = field(default="", repr=False)
    consumer_secret: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    access_token_secret: str = field(default="", repr=False)
    oauth2_user_token: str = field(default="", repr=False)
    oauth2_refresh_token: str = field(default="", repr=False)
    oauth2_client_id: str = field(default="", repr=False)
    oauth2_client_secret: str = field(default="", repr=False)

    @property
    def kind(self) -> str:
        """`oauth1`, `oauth2` or `none`."""
        if self.consumer_key and self.consumer_secret and self.access_token and self.access_token_secret:
            return "oauth1"
        if self.oauth2_user_token:
            return "oauth2"
        return "none"

    def secrets(self) -> list[str]:
        """Every non-empty secret value (for log redaction)."""
        values = (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
            self.oauth2_user_token,
            self.oauth2_refresh_token,
            self.oauth2_client_secret,
        )
        return [v for v in values if v]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about one brandbot deployment."""

    database_url: str = "sqlite:///./brandbot.db"
    x_api_base_url: str = REAL_API_BASE_URL
    x_tier: str = "basic"
    credentials: XCredentials = field(default_factory=XCredentials)
    brand_handle: str = "brandbot"
    brand_keywords: tuple[str, ...] = ()
    persona: str = "mars-phoenix"
    locale: str = "en"
    timezone: str = "UTC"
    log_format: str = "auto"
    log_level: str = "INFO"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    webhook_secret: str = field(default="", repr=False)
    webhook_max_skew_seconds: int = 300
    session_secret: str = field(default="", repr=False)
    template_dir: Path = Path("templates")
    rss_feeds: tuple[str, ...] = ()
    rss_poll_seconds: int = 300
    inbox_dir: Path | None = None
    approval_required: tuple[str, ...] = ()  # event types or sources whose posts need approval
    follow_daily_cap: int = 400  # 0 is allowed: decisions are still made, and wait (held at the cap) for a person
    follow_enabled: bool = True
    follow_blocklist: tuple[str, ...] = ()
    alert_webhook_url: str = ""
    crisis_window_minutes: int = 30
    crisis_min_complaints: int = 20
    crisis_ratio: float = 4.0
    retrain_min_new_labels: int = 50
    #: The brand's own detector rules (JSON, see `bot.classify.rules`), used after the shipped ones; read and
    #: checked once per process, when the composition root is built (`bot.app.read_brand_rules`).
    detector_rules_file: Path | None = None
    publish_lease_seconds: int = 120  # a claimed post stays ours this long; must outlast one X call
    payg_daily_budget: float = 20.0  # USD a day that polling may cost on the pay-per-use tier
    anecdote_time: str = "09:00"  # local time (TIMEZONE) of the daily anecdote
    sandbox: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def live(self) -> bool:
        """True when calls go to the real X API."""
        return is_real_api(self.x_api_base_url)

    def missing_x_credentials(self) -> str | None:
        """Why this deployment cannot call the X API (no credentials at all), or None when it can.

        `load_settings` asks for credentials only when X_API_BASE_URL is the real API; the X client needs
        them whatever the URL (a `--sandbox` run brings the sandbox's own).
        """
        live = _missing_credentials(self.x_api_base_url, self.credentials, sandbox=self.sandbox)
        if live is None and self.credentials.kind == "none" and not self.sandbox:
            return MISSING_OTHER_API_CREDENTIALS.format(url=self.x_api_base_url)
        return live

    def secrets(self) -> list[str]:
        """Every secret value held, so the logger can redact them."""
        out = self.credentials.secrets()
        if self.webhook_secret:
            out.append(self.webhook_secret)
        if self.session_secret:
            out.append(self.session_secret)
        password = urlparse(self.database_url).password
        if password:
            out.append(password)
        return out

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _split(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _bool(name: str, value: str, problems: list[str]) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off", ""):
        return False
    problems.append(f"{name}: expected true/false, got {value!r}")
    return False


def _int(name: str, value: str, problems: list[str], *, lo: int, hi: int) -> int:
    try:
        n = int(value)
    except ValueError:
        problems.append(f"{name}: expected an integer, got {value!r}")
        return lo
    if not lo <= n <= hi:
        problems.append(f"{name}: {n} is outside {lo}..{hi}")
    return n


def _float(name: str, value: str, problems: list[str], *, at_least: float | None = None, positive: bool = False,
           meaning: str = "") -> float:
    """A finite number, at least `at_least` (if given) and above zero if `positive`; else a problem (`meaning` says
    what the number is, so the message explains the bound)."""
    try:
        n = float(value)
    except ValueError:
        problems.append(f"{name}: expected a number, got {value!r}")
        return 0.0
    if not math.isfinite(n):  # float() takes nan and inf: nothing would ever (or always) pass a check against them
        problems.append(f"{name}: expected a finite number, got {value!r}")
    elif at_least is not None and n < at_least:
        problems.append(f"{name}: {n:g} is below {at_least:g} ({meaning})")
    elif positive and n <= 0:
        problems.append(f"{name}: {n:g} is not a positive number ({meaning})")
    return n


def _clock_time(name: str, value: str, problems: list[str]) -> str:
    """`HH:MM` (24-hour) as given, or a problem."""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60):
        problems.append(f"{name}: expected a time of day HH:MM (24-hour), got {value!r}")
        return "09:00"
    return f"{int(hours):02}:{minutes}"


def _hide_password(url: str) -> str:
    """`url` with its password (if any) replaced, so an error message never prints it."""
    parsed = urlparse(url)
    if not parsed.password:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def default_template_dir() -> Path:
    """`./templates` when it exists, else the templates shipped next to the `bot` package."""
    here = Path("templates")
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "templates"


def _valid_url(value: str, schemes: tuple[str, ...]) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in schemes and bool(parsed.netloc)


def _missing_credentials(base_url: str, creds: XCredentials, *, sandbox: bool) -> str | None:
    """`MISSING_CREDENTIALS` when calls would go to the real X API with no credentials at all."""
    live = is_real_api(base_url) and not sandbox
    return MISSING_CREDENTIALS if live and creds.kind == "none" else None


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = Path(".env"),
    sandbox: bool = False,
    require_x_credentials: bool = True,
) -> Settings:
    """Build `Settings` from `environ` (default `os.environ`) over an optional `.env` file.

    Raises `ConfigError` listing every problem found. With `require_x_credentials=False` (commands
    that never call the X API: stats, classify, triage list ...), missing live credentials are not
    one of them; the X client refuses to start instead (`App.x`).
    """
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: v or "" for k, v in dotenv_values(env_file).items()})
    merged.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        value = merged.get(name, "").strip()
        return value or default  # an empty value (NAME=) means "use the default"

    problems: list[str] = []
    d = Settings()

    database_url = get("DATABASE_URL", d.database_url)
    if database_url.startswith("postgres://"):  # the form many hosting providers hand out
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if not database_url.startswith(("sqlite:", "postgresql")):
        shown = _hide_password(database_url)
        problems.append(f"DATABASE_URL: expected sqlite:///... or postgresql://..., got {shown!r}")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    base_url = get("X_API_BASE_URL", d.x_api_base_url).rstrip("/")
    if not _valid_url(base_url, ("http", "https")):
        problems.append(f"X_API_BASE_URL: not an http(s) URL: {base_url!r}")

    tier = get("X_TIER", d.x_tier).lower()
    if tier not in TIERS:
        problems.append(f"X_TIER: unknown tier {tier!r} (one of {', '.join(TIERS)})")

    creds = XCredentials(
        consumer_key=get("X_CONSUMER_KEY"),
        consumer_secret=get("X_CONSUMER_SECRET"),
        access_token=get("X_ACCESS_TOKEN"),
        access_token_secret=get("X_ACCESS_TOKEN_SECRET"),
        oauth2_user_token=get("X_OAUTH2_USER_TOKEN"),
        oauth2_refresh_token=get("X_OAUTH2_REFRESH_TOKEN"),
        oauth2_client_id=get("X_OAUTH2_CLIENT_ID"),
        oauth2_client_secret=get("X_OAUTH2_CLIENT_SECRET"),
    )
    oauth1_parts = [creds.consumer_key, creds.consumer_secret, creds.access_token, creds.access_token_secret]
    if any(oauth1_parts) and not all(oauth1_parts):
        problems.append(
            "X credentials: OAuth 1.0a needs all four of X_CONSUMER_KEY, X_CONSUMER_SECRET, "
            "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET"
        )
    missing = _missing_credentials(base_url, creds, sandbox=sandbox)
    if missing and require_x_credentials:
        problems.append(missing)
    if creds.oauth2_user_token and creds.oauth2_refresh_token and not creds.oauth2_client_id:
        problems.append("X_OAUTH2_CLIENT_ID: needed to refresh X_OAUTH2_USER_TOKEN")

    handle = get("BRAND_HANDLE", d.brand_handle).lstrip("@")
    if not handle or not all(c.isalnum() or c == "_" for c in handle) or len(handle) > 15:
        problems.append(f"BRAND_HANDLE: not a valid X handle: {handle!r}")

    timezone = get("TIMEZONE", d.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE: unknown time zone {timezone!r} (e.g. Europe/Paris)")

    log_format = get("LOG_FORMAT", d.log_format).lower()
    if log_format not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT: expected json, console or auto, got {log_format!r}")
    log_level = get("LOG_LEVEL", d.log_level).upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    web_port = _int("WEB_PORT", get("WEB_PORT", str(d.web_port)), problems, lo=0, hi=65535)
    skew = _int("WEBHOOK_MAX_SKEW_SECONDS", get("WEBHOOK_MAX_SKEW_SECONDS", "300"), problems, lo=1, hi=86400)

    template_dir = Path(get("TEMPLATE_DIR", str(default_template_dir())))
    persona = get("PERSONA", d.persona)
    if not template_dir.is_dir():
        problems.append(f"TEMPLATE_DIR: directory does not exist: {str(template_dir)!r}")
    elif not (template_dir / persona / "persona.toml").is_file():
        # Caught here, not by the first event: a typo would otherwise start a bot that posts nothing.
        found = sorted(p.parent.name for p in template_dir.glob("*/persona.toml"))
        problems.append(f"PERSONA: no persona {persona!r} in {str(template_dir)!r} (no {persona}/persona.toml; "
                        f"found: {', '.join(found) or 'none'})")

    rss_feeds = _split(get("RSS_FEEDS"))
    for feed in rss_feeds:
        if not _valid_url(feed, ("http", "https", "file")) and not feed.startswith("file:"):
            problems.append(f"RSS_FEEDS: not a URL: {feed!r}")
    inbox = get("INBOX_DIR")
    alert_url = get("ALERT_WEBHOOK_URL")
    if alert_url and not _valid_url(alert_url, ("http", "https")):
        problems.append(f"ALERT_WEBHOOK_URL: not an http(s) URL: {alert_url!r}")

    rules_file = get("DETECTOR_RULES_FILE")
    detector_rules_file = Path(rules_file) if rules_file else None  # read and checked once, by `bot.app.App`

    settings = Settings(
        database_url=database_url,
        x_api_base_url=base_url,
        x_tier=tier,
        credentials=creds,
        brand_handle=handle,
        brand_keywords=_split(get("BRAND_KEYWORDS")),
        persona=persona,
        locale=get("LOCALE", d.locale),
        timezone=timezone,
        log_format=log_format,
        log_level=log_level,
        web_host=get("WEB_HOST", d.web_host),
        web_port=web_port,
        webhook_secret=get("WEBHOOK_SECRET"),
        webhook_max_skew_seconds=skew,
        session_secret=get("SESSION_SECRET"),
        template_dir=template_dir,
        rss_feeds=rss_feeds,
        rss_poll_seconds=_int("RSS_POLL_SECONDS", get("RSS_POLL_SECONDS", "300"), problems, lo=10, hi=86400),
        inbox_dir=Path(inbox) if inbox else None,
        approval_required=_split(get("APPROVAL_REQUIRED")),
        follow_daily_cap=_int("FOLLOW_DAILY_CAP", get("FOLLOW_DAILY_CAP", "400"), problems, lo=0, hi=400),
        follow_enabled=_bool("FOLLOW_ENABLED", get("FOLLOW_ENABLED", "true"), problems),
        follow_blocklist=tuple(h.lstrip("@").lower() for h in _split(get("FOLLOW_BLOCKLIST"))),
        alert_webhook_url=alert_url,
        crisis_window_minutes=_int(
            "CRISIS_WINDOW_MINUTES", get("CRISIS_WINDOW_MINUTES", "30"), problems, lo=1, hi=1440
        ),
        crisis_min_complaints=_int(
            "CRISIS_MIN_COMPLAINTS", get("CRISIS_MIN_COMPLAINTS", "20"), problems, lo=1, hi=100000
        ),
        crisis_ratio=_float("CRISIS_RATIO", get("CRISIS_RATIO", "4.0"), problems, at_least=1,
                            meaning="the multiple of the usual complaint rate that is a spike; below 1, a "
                                    "quieter window than usual would be one"),
        retrain_min_new_labels=_int(
            "RETRAIN_MIN_NEW_LABELS", get("RETRAIN_MIN_NEW_LABELS", "50"), problems, lo=1, hi=1000000
        ),
        detector_rules_file=detector_rules_file,
        publish_lease_seconds=_int(
            "PUBLISH_LEASE_SECONDS", get("PUBLISH_LEASE_SECONDS", "120"), problems, lo=15, hi=3600
        ),
        payg_daily_budget=_float("PAYG_DAILY_BUDGET", get("PAYG_DAILY_BUDGET", "20"), problems, positive=True,
                                 meaning="US dollars a day that polling may cost"),
        anecdote_time=_clock_time("ANECDOTE_TIME", get("ANECDOTE_TIME", "09:00"), problems),
        sandbox=sandbox,
    )
    if problems:
        raise ConfigError(problems)
    return settings
