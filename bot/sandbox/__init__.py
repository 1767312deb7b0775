"""A local X API v2 sandbox that tweepy talks to over real HTTP.

Start one embedded in a process::

    from bot.clock import SystemClock
    from bot.sandbox import SandboxConfig, SandboxServer

    server = SandboxServer(SandboxConfig(tier="basic", scenario="calm"), SystemClock()).start()
    print(server.url)   # point the X gateway's base URL here
    server.stop()

or standalone with `brandbot sandbox serve`. Credentials accepted out of the box:

- OAuth 1.0a user context: `SANDBOX_CONSUMER_KEY`, `SANDBOX_CONSUMER_SECRET`,
  `SANDBOX_ACCESS_TOKEN`, `SANDBOX_ACCESS_TOKEN_SECRET` (any non-revoked `oauth_token` works;
  signatures are parsed, not verified);
- OAuth 2.0 user context: `SANDBOX_OAUTH2_TOKEN` (does not expire), renewable through
  `POST /2/oauth2/token` with `SANDBOX_OAUTH2_REFRESH_TOKEN` (tokens issued there expire after
  `SandboxConfig.oauth2_ttl_seconds` of sandbox-clock time; refresh tokens issued there are
  single-use, as on X, while the documented one can be reused so every fresh run can start);
- app-only: `SANDBOX_APP_BEARER_TOKEN` (reads only, like X).

Every credential acts as the brand account, user id `BRAND_USER_ID`.
"""

from bot.sandbox.config import FaultSettings, SandboxConfig
from bot.sandbox.constants import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_ACCESS_TOKEN_SECRET,
    SANDBOX_APP_BEARER_TOKEN,
    SANDBOX_CONSUMER_KEY,
    SANDBOX_CONSUMER_SECRET,
    SANDBOX_OAUTH2_CLIENT_ID,
    SANDBOX_OAUTH2_REFRESH_TOKEN,
    SANDBOX_OAUTH2_TOKEN,
)
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import BRAND_USER_ID

__all__ = [
    "BRAND_USER_ID",
    "SANDBOX_ACCESS_TOKEN",
    "SANDBOX_ACCESS_TOKEN_SECRET",
    "SANDBOX_APP_BEARER_TOKEN",
    "SANDBOX_CONSUMER_KEY",
    "SANDBOX_CONSUMER_SECRET",
    "SANDBOX_OAUTH2_CLIENT_ID",
    "SANDBOX_OAUTH2_REFRESH_TOKEN",
    "SANDBOX_OAUTH2_TOKEN",
    "FaultSettings",
    "SandboxConfig",
    "SandboxServer",
]
