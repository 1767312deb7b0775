"""Fixed credentials the sandbox accepts out of the box (they are not secrets: sandbox only)."""

from __future__ import annotations

SANDBOX_CONSUMER_KEY = "sandbox-consumer-key"
SANDBOX_CONSUMER_SECRET = "sandbox-consumer-secret"  # noqa: S105 - documented sandbox value
SANDBOX_ACCESS_TOKEN = "1000000000000000001-sandboxaccesstoken"  # noqa: S105 - documented sandbox value
SANDBOX_ACCESS_TOKEN_SECRET = "sandbox-access-token-secret"  # noqa: S105 - documented sandbox value
SANDBOX_OAUTH2_TOKEN = "sandbox-oauth2-user-token"  # noqa: S105 - documented sandbox value
SANDBOX_OAUTH2_REFRESH_TOKEN = "sandbox-oauth2-refresh-token"  # noqa: S105 - documented sandbox value
SANDBOX_OAUTH2_CLIENT_ID = "sandbox-client-id"
SANDBOX_APP_BEARER_TOKEN = "sandbox-app-only-bearer-token"  # noqa: S105 - documented sandbox value
