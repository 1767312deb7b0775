"""Staff accounts: argon2 password hashes, roles, sign-in with a per-username+IP throttle.

Failed sign-ins, and wrong current passwords when changing one's own, are audit rows (`login.failed`,
actor = the username tried, target = `ip <address>`), so every web process sharing the database
counts the same attempts. The sign-in functions (`Authenticator`, the throttle) are given real time
(`App.wall_clock`), so their rows and the 15-minute window are real minutes even when the bot's own clock
is simulated. Functions take a session and do not commit (the caller's unit of work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain import Role
from bot.errors import BotError, ValidationError
from bot.store.coordination import audit
from bot.store.models import AuditLog, StaffUser

log = structlog.get_logger()

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5


class AccountError(BotError):
    """A staff account operation was refused."""


class UserExistsError(AccountError):
    """A user with that name already exists."""


class UserNotFoundError(AccountError):
    """No user with that name."""


class AccountStateError(AccountError):
    """The account is already so (disabled, enabled, that role), or the change would lock admins out."""


class LoginFailed(AccountError):
    """Wrong username or password, or a disabled account (deliberately not told apart)."""


class LoginThrottled(AccountError):
    """Too many failed sign-ins for this username from this address; `retry_after` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A signed-in person as the web layer sees them."""

    username: str
    role: Role

    def has(self, *roles: Role) -> bool:
        return self.role in roles


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValidationError(f"role must be one of {', '.join(r.value for r in Role)}, got {value!r}") from None


def validate_username(value: str) -> str:
    name = value.strip()
    if not USERNAME.fullmatch(name):
        raise ValidationError("username: 1-64 characters of letters, digits, _ . @ -, starting with a letter or digit")
    return name


def validate_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"password: at most {MAX_PASSWORD_LENGTH} characters")
    return value


def get_user(session: Session, username: str) -> StaffUser | None:
    """The account named `username`, letter case aside (names are unique regardless of case: the
    database's index on `lower(username)` says so, migration 0002)."""
    stmt = select(StaffUser).where(func.lower(col(StaffUser.username)) == func.lower(username))
    return session.exec(stmt).first()


def existing_user(session: Session, username: str) -> StaffUser:
    """The account named `username`; `UserNotFoundError` if there is none."""
    user = get_user(session, username)
    if user is None:
        raise UserNotFoundError(f"no user {username!r}")
    return user


def add_user(
    session: Session, *, username: str, role: str, password: str, actor: str, now: datetime,
    hasher: PasswordHasher | None = None,
) -> StaffUser:
    """Create an account (`ValidationError` for a bad name, role or password; `UserExistsError`)."""
    name = validate_username(username)
    parsed = parse_role(role)
    validate_password(password)
    _refuse_taken(session, name)
    user = StaffUser(username=name, role=parsed.value, password_hash=(hasher or PasswordHasher()).hash(password),
                     created_at=now)
    try:
        with session.begin_nested():  # a savepoint: a refused insert leaves the caller's transaction usable
            session.add(user)
            session.flush()
    except IntegrityError:
        # Another create took the name (in any letter case) between the check above and this insert:
        # the unique index refused it. Say so as the check does; anything else is not ours to explain.
        _refuse_taken(session, name)
        raise
    audit(session, at=now, actor=actor, action="user.added", target=f"user:{name}", detail=f"role {parsed.value}")
    log.info("user.added", username=name, role=parsed.value, actor=actor)
    return user


def _refuse_taken(session: Session, name: str) -> None:
    """`UserExistsError` if an account is named `name`, letter case aside (saying how it is spelled)."""
    taken = get_user(session, name)
    if taken is not None:
        same = "" if taken.username == name else f" as {taken.username!r} (names are not case-sensitive)"
        raise UserExistsError(f"user {name!r} already exists{same}")


def list_users(session: Session) -> list[StaffUser]:
    return list(session.exec(select(StaffUser).order_by(col(StaffUser.username))))


def _refuse_own(user: StaffUser, *, actor: str, doing: str) -> None:
    """`AccountStateError` if `user` is `actor` (an admin never locks themselves out; the CLI can fix the rest)."""
    if user.username == actor:
        raise AccountStateError(f"you cannot {doing} your own account")


def disable_user(session: Session, *, username: str, actor: str, now: datetime) -> StaffUser:
    """Disable an account: it can no longer sign in and its open sessions stop working.

    `AccountStateError` if it is already disabled or is `actor`'s own.
    """
    user = existing_user(session, username)
    if user.disabled:
        raise AccountStateError(f"user {user.username!r} is already disabled")
    _refuse_own(user, actor=actor, doing="disable")
    user.disabled = True
    session.add(user)
    audit(session, at=now, actor=actor, action="user.disabled", target=f"user:{user.username}")
    log.info("user.disabled", username=user.username, actor=actor)
    return user


def enable_user(session: Session, *, username: str, actor: str, now: datetime) -> StaffUser:
    """Let a disabled account sign in again (with its password as it was); `AccountStateError` if enabled."""
    user = existing_user(session, username)
    if not user.disabled:
        raise AccountStateError(f"user {user.username!r} is already enabled")
    user.disabled = False
    session.add(user)
    audit(session, at=now, actor=actor, action="user.enabled", target=f"user:{user.username}")
    log.info("user.enabled", username=user.username, actor=actor)
    return user


def set_role(session: Session, *, username: str, role: str, actor: str, now: datetime) -> StaffUser:
    """Give an account another role (its open sessions see it at their next request).

    `ValidationError` for an unknown role; `AccountStateError` if it already has it, or if an
    admin would demote themselves.
    """
    parsed = parse_role(role)
    user = existing_user(session, username)
    if user.role == parsed.value:
        raise AccountStateError(f"user {user.username!r} is already {parsed.value}")
    if user.role == Role.ADMIN.value:
        _refuse_own(user, actor=actor, doing="demote")
    before = user.role
    user.role = parsed.value
    session.add(user)
    audit(session, at=now, actor=actor, action="user.role_changed", target=f"user:{user.username}",
          detail=f"{before} -> {parsed.value}")
    log.info("user.role_changed", username=user.username, before=before, role=parsed.value, actor=actor)
    return user


def set_password(
    session: Session, *, username: str, password: str, actor: str, now: datetime,
    hasher: PasswordHasher | None = None,
) -> StaffUser:
    """Give an account a new password (`UserNotFoundError` first, then `ValidationError` for a weak one).

    The stored hash changes, so every session signed with the old one ends at its next request.
    """
    user = existing_user(session, username)
    validate_password(password)
    user.password_hash = (hasher or PasswordHasher()).hash(password)
    session.add(user)
    audit(session, at=now, actor=actor, action="user.password_set", target=f"user:{user.username}")
    log.info("user.password_set", username=user.username, actor=actor)
    return user


def active_usernames(session: Session, roles: tuple[Role, ...]) -> list[str]:
    """Enabled accounts with one of `roles`, by name (e.g. who a triage item can be assigned to)."""
    stmt = (
        select(StaffUser.username)
        .where(col(StaffUser.disabled).is_(False))
        .where(col(StaffUser.role).in_([r.value for r in roles]))
        .order_by(col(StaffUser.username))
    )
    return list(session.exec(stmt))


def recent_failures(session: Session, *, username: str, ip: str, now: datetime) -> int:
    """Failed sign-ins for `username` from `ip` within the throttle window."""
    stmt = (
        select(func.count())
        .select_from(AuditLog)
        .where(col(AuditLog.action) == "login.failed")
        .where(func.lower(col(AuditLog.actor)) == username[:100].lower())  # sign-in ignores letter case
        .where(col(AuditLog.target) == f"ip {ip}")
        .where(col(AuditLog.at) > now - LOGIN_WINDOW)
    )
    return int(session.exec(stmt).one())


def refuse_if_throttled(session: Session, *, username: str, ip: str, now: datetime, message: str,
                        detail: str = "") -> None:
    """Raise `LoginThrottled` ("`message`; try again later") with a `login.throttled` row once `username`
    has failed `LOGIN_MAX_FAILURES` times from `ip` within `LOGIN_WINDOW`; else do nothing."""
    if recent_failures(session, username=username, ip=ip, now=now) < LOGIN_MAX_FAILURES:
        return
    audit(session, at=now, actor=username, action="login.throttled", target=f"ip {ip}", detail=detail)
    log.warning("login.throttled", username=username, ip=ip, detail=detail)
    raise LoginThrottled(f"{message}; try again later", retry_after=int(LOGIN_WINDOW.total_seconds()))


class Authenticator:
    """Checks passwords; one per web process (it keeps a dummy hash to time unknown names alike)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("not-a-real-password")

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def sign_in(self, session: Session, *, username: str, password: str, ip: str, now: datetime) -> StaffUser:
        """The enabled user whose password matches, with a `login.ok` audit row.

        Raises `LoginThrottled` (nothing checked) after `LOGIN_MAX_FAILURES` failures in
        `LOGIN_WINDOW` for this username and address, else `LoginFailed` (recorded) on a mismatch.
        """
        name = username.strip()[:100]
        refuse_if_throttled(session, username=name, ip=ip, now=now, message="too many failed sign-ins")
        user = get_user(session, name) if len(password) <= MAX_PASSWORD_LENGTH else None
        ok = self._verify(user.password_hash if user else self._dummy, password[:MAX_PASSWORD_LENGTH])
        if user is None or user.disabled or not ok:
            audit(session, at=now, actor=name, action="login.failed", target=f"ip {ip}",
                  detail="disabled account" if user is not None and user.disabled and ok else "")
            log.info("login.failed", username=name, ip=ip)
            raise LoginFailed("wrong username or password")
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
            session.add(user)
        audit(session, at=now, actor=user.username, action="login.ok", target=f"ip {ip}")
        log.info("login.ok", username=user.username, ip=ip)
        return user

    def change_password(
        self, session: Session, *, username: str, current: str, new: str, ip: str, now: datetime
    ) -> StaffUser:
        """`username` sets their own password, proving they know the current one.

        A wrong current password is a `login.failed` row (`LoginFailed`), counted by the same
        throttle as the sign-in form (`LoginThrottled`, nothing checked), so this form is no way
        round it. The password changes only once every check has passed.
        """
        refuse_if_throttled(session, username=username, ip=ip, now=now, message="too many wrong passwords",
                            detail="on the password form")
        user = existing_user(session, username)
        if not self._verify(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
            audit(session, at=now, actor=username, action="login.failed", target=f"ip {ip}",
                  detail="wrong current password on the password form")
            log.info("password_change.failed", username=username, ip=ip)
            raise LoginFailed("the current password is wrong")
        return set_password(session, username=username, password=new, actor=username, now=now, hasher=self.hasher)
