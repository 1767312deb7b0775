"""The composition root: builds every component from one explicit `Settings`.

Only the entry points (CLI, web server start-up) import this module. Components are
built lazily, so a CLI command that needs only the database never touches the X API.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.errors import ConfigError
from bot.settings import Settings
from bot.store.db import make_engine, session_scope, upgrade

if TYPE_CHECKING:
    from bot.classify.detector import Detector
    from bot.classify.rules import RuleSet
    from bot.render.renderer import Renderer
    from bot.xapi.budget import BudgetKeeper
    from bot.xapi.client import XClient, XUser


def read_brand_rules(settings: Settings) -> RuleSet | None:
    """The brand's own detector rules (`DETECTOR_RULES_FILE`), read and checked; None when it is unset.

    The one place the file is read: `App` calls it when it is built (an entry point that must stop
    before anything else starts calls it first and hands the result to `App`). A file that cannot be
    read or holds a bad rule is a `ConfigError` naming the variable, the file and the rule.
    """
    path = settings.detector_rules_file
    if path is None:
        return None
    from bot.classify.rules import RuleFileError, RuleSet

    try:
        return RuleSet.load(path)
    except RuleFileError as exc:
        raise ConfigError([f"DETECTOR_RULES_FILE: {exc}"]) from None


class App:
    """Everything one bot process needs, wired from `settings`.

    Built eagerly: the brand's rule file (`read_brand_rules`, unless `brand_rules` gives what an
    entry point already read), so a bad file stops the process at start with a `ConfigError`.
    Everything else is built lazily.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        x_client: XClient | None = None,
        worker_id: str | None = None,
        brand_rules: RuleSet | None = None,
    ) -> None:
        self.settings = settings
        #: The brand's rules, read once per process (None: no DETECTOR_RULES_FILE).
        self.brand_rules = brand_rules if brand_rules is not None else read_brand_rules(settings)
        self.clock: Clock = clock or SystemClock()
        #: The outside world's time, against which timestamps other systems send are checked (a signed
        #: webhook's) and real people's time is measured (dashboard sign-in sessions, the sign-in throttle):
        #: `clock` itself unless that one is simulated (`brandbot run --sandbox --speed`, or a sandbox run
        #: resumed after the simulated times an earlier one stored).
        self.wall_clock: Clock = wall_clock or self.clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._x_client = x_client
        self._detector_lock = threading.Lock()
        self._detector: tuple[int | None, Detector] | None = None
        self._me: XUser | None = None
        #: Called after something was queued for posting (the runner sets it to wake the publisher).
        self.notify_queued: Callable[[], None] = lambda: None

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    def migrate(self) -> None:
        """Bring the schema to the newest revision."""
        upgrade(self.settings.database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with session_scope(self.engine) as session:
            yield session

    @cached_property
    def budget(self) -> BudgetKeeper:
        from bot.xapi.budget import BudgetKeeper

        return BudgetKeeper(self.settings.x_tier, self.clock)

    @cached_property
    def x(self) -> XClient:
        if self._x_client is not None:
            return self._x_client
        problem = self.settings.missing_x_credentials()
        if problem is not None:
            raise ConfigError([problem])
        from bot.store.tokens import DatabaseTokenStore
        from bot.xapi.tweepy_client import TweepyXClient

        return TweepyXClient(
            self.settings.credentials,
            base_url=self.settings.x_api_base_url,
            budget=self.budget,
            clock=self.clock,
            token_store=DatabaseTokenStore(self.engine, self.clock),
        )

    def me(self) -> XUser:
        """The brand account (asked once per process, then remembered)."""
        if self._me is None:
            self._me = self.x.me()
        return self._me

    @cached_property
    def renderer(self) -> Renderer:
        from bot.render.renderer import Renderer

        renderer = Renderer(self.settings.template_dir, self.settings.persona, self.settings.locale)
        renderer.load()
        return renderer

    @cached_property
    def rules(self) -> RuleSet:
        """The shipped rules followed by the brand's own (`brand_rules`, read when the app was built)."""
        from bot.classify.rules import RuleSet

        shipped = RuleSet.default()
        return shipped if self.brand_rules is None else shipped.extended(self.brand_rules)

    def detector(self, session: Session) -> Detector:
        """The newest trained detector in the database (else the shipped default) with `rules`, cached per model row.

        A newest model that cannot be read is replaced by the shipped default (logged once per process).
        """
        from bot.triage.learning import latest_detector_model_id, load_detector_or_default

        model_id = latest_detector_model_id(session)
        with self._detector_lock:
            if self._detector is None or self._detector[0] != model_id:
                self._detector = (model_id, load_detector_or_default(session, model_id, self.rules))
            return self._detector[1]
