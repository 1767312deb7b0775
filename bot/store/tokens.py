"""The OAuth 2.0 user token, kept in the database so every bot process shares the refreshed pair."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.clock import Clock
from bot.store.db import session_scope
from bot.store.models import OAuthToken
from bot.xapi.oauth2 import OAuth2Token

_ROW_ID = 1


class DatabaseTokenStore:
    """A `TokenStore` backed by the `oauth_tokens` table (one row, replaced on every refresh)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def load(self) -> OAuth2Token | None:
        with session_scope(self._engine) as session:
            row = session.exec(select(OAuthToken).where(OAuthToken.id == _ROW_ID)).first()
            if row is None:
                return None
            return OAuth2Token(row.access_token, row.refresh_token, row.expires_at)

    def save(self, token: OAuth2Token) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            row = session.get(OAuthToken, _ROW_ID)
            if row is None:
                row = OAuthToken(id=_ROW_ID, access_token="", refresh_token="", expires_at=now, updated_at=now)
            row.access_token = token.access_token
            row.refresh_token = token.refresh_token
            row.expires_at = token.expires_at or now
            row.updated_at = now
            session.add(row)
