"""`SandboxState`: the world plus credentials, limits, ledger, faults and the scenario, behind one lock."""

from __future__ import annotations

import threading
from datetime import datetime

from bot.clock import Clock
from bot.sandbox.auth import Credentials
from bot.sandbox.config import SandboxConfig
from bot.sandbox.faults import Faults
from bot.sandbox.limits import Ledger, Windows
from bot.sandbox.scenarios import ScenarioRunner, load_scenario
from bot.sandbox.state import World


class SandboxState:
    """Everything the sandbox knows. Hold `lock` (re-entrant) around any read-modify-write."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.scenario = load_scenario(config.scenario)
        self._build()

    def _build(self) -> None:
        now = self.clock.now()
        self.started_at = now
        self.world = World(brand_username=self.config.brand_username, now=now)
        self.world.lock = self.lock
        self.credentials = Credentials(
            user_id=self.world.brand.id, now=now, ttl_seconds=self.config.oauth2_ttl_seconds
        )
        self.windows = Windows()
        self.ledger = Ledger(credits=self.config.credits, usage_cap_posts=self.config.usage_cap_posts)
        self.faults = Faults(self.config.faults, seed=self.config.seed)
        self.runner = ScenarioRunner(self.scenario, world=self.world, seed=self.config.seed, start=now)
        self._last_prune = now

    @property
    def tier(self) -> str:
        return self.config.tier

    def now(self) -> datetime:
        """The sandbox clock's current instant."""
        return self.clock.now()

    def advance(self) -> datetime:
        """Bring the world up to the clock: realise due scenario mentions, apply revocations, prune."""
        with self.lock:
            now = self.clock.now()
            self.runner.realise(now)
            revoke_at = self.faults.revoke_at()
            if revoke_at is not None:
                self.credentials.revoke_all(revoke_at)
            if (now - self._last_prune).total_seconds() > 3600:
                self.world.prune(now)
                self._last_prune = now
            return now

    def restore_token(self) -> None:
        """Undo a revocation: credentials work again."""
        with self.lock:
            self.faults.update({"revoke_token_at": None})
            self.credentials.restore()

    def reset(self) -> None:
        """Start over: an empty world from now, fresh limits, ledger and faults from the config."""
        with self.lock:
            self._build()
