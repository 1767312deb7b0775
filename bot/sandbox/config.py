"""`SandboxConfig`: everything that shapes one sandbox run, frozen and explicit."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.xapi.tiers import TIER_LIMITS


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """Faults injected into `/2/...` responses; all off by default.

    `error_rate_5xx`, `timeout_rate` and `drop_rate` are probabilities (0..1) drawn from the
    seeded RNG; `latency_ms` delays every response (real milliseconds); `burst_429` makes the
    next N API requests fail with 429; `revoke_token_at` (ISO instant on the sandbox clock)
    revokes every credential issued so far once the clock passes it. A timed-out request is
    held `timeout_hold_seconds` (real seconds) and then closed without a response.
    """

    error_rate_5xx: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    burst_429: int = 0
    revoke_token_at: str | None = None
    timeout_hold_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """One sandbox run: where it listens, which tier it imitates, which world it simulates.

    `scenario` is a built-in name (`quiet`, `calm`, `complaint-storm`) or a JSON file path.
    `speed` is only used by the CLI to build an `AcceleratedClock`; an embedded server takes
    whatever clock it is given. `credits` is the pay-per-use budget in dollars (None: unlimited,
    only charged on tier `payg`); `usage_cap_posts` is a monthly cap on posts read (None: no cap).
    """

    host: str = "127.0.0.1"
    port: int = 0
    tier: str = "basic"
    scenario: str = "calm"
    speed: float = 1.0
    seed: int = 0
    brand_username: str = "brandbot"
    credits: float | None = None
    usage_cap_posts: int | None = None
    oauth2_ttl_seconds: int = 7200
    faults: FaultSettings = field(default_factory=FaultSettings)

    def __post_init__(self) -> None:
        problems = []
        if self.tier not in TIER_LIMITS:
            problems.append(f"unknown tier {self.tier!r} (expected one of {', '.join(TIER_LIMITS)})")
        if self.speed <= 0:
            problems.append("speed must be positive")
        if not 0 <= self.port <= 65535:
            problems.append("port must be between 0 and 65535")
        for name in ("error_rate_5xx", "timeout_rate", "drop_rate"):
            value = getattr(self.faults, name)
            if not 0.0 <= value <= 1.0:
                problems.append(f"{name} must be between 0 and 1")
        if problems:
            from bot.errors import ConfigError

            raise ConfigError(problems)
