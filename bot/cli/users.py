"""`brandbot users ...`: dashboard accounts (add with a role, list, disable/enable, change the role, set a password)."""

from __future__ import annotations

import getpass
import sys
from functools import partial
from typing import Annotated

import typer

from bot.cli.context import emit, handled, local_time, make_app
from bot.web.accounts import (
    AccountStateError,
    UserExistsError,
    UserNotFoundError,
    add_user,
    disable_user,
    enable_user,
    existing_user,
    list_users,
    set_password,
    set_role,
)

app = typer.Typer(no_args_is_help=True)

COLUMNS = ("username", "role", "disabled", "created")
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]
CLI_ACTOR = "cli"


#: `handled()` with account errors mapped to exit codes 3 (not found) and 4 (name taken, or already so).
users_handled = partial(handled, not_found=(UserNotFoundError,), conflict=(UserExistsError, AccountStateError))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


@app.command("add")
def add_cmd(
    name: str = typer.Argument(..., help="Username (letters, digits, _ . @ -)."),
    role: str = typer.Option(..., "--role", help="admin, editor (PR team) or agent (customer service)."),
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a dashboard account (exit 4 if the name is taken)."""
    with users_handled():
        password = _read_password(password_stdin)
        bot = make_app()
        with bot.session() as session:
            user = add_user(session, username=name, role=role, password=password, actor=CLI_ACTOR,
                            now=bot.clock.now())
        typer.echo(f"user {user.username} added with role {user.role}")


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts.")) -> None:
    """Every account (never the password hashes)."""
    with users_handled():
        bot = make_app()
        fmt = local_time(bot)
        with bot.session() as session:
            rows = [
                {"username": u.username, "role": u.role, "disabled": u.disabled, "created_at": u.created_at,
                 "created": fmt(u.created_at)}
                for u in list_users(session)
            ]
        emit(rows, COLUMNS, as_json=as_json, empty="(no accounts: add one with `brandbot users add NAME --role admin`)")


@app.command("disable")
def disable_cmd(name: str = typer.Argument(..., help="Username.")) -> None:
    """Disable an account: it cannot sign in and its sessions end (exit 3 if unknown, 4 if already disabled)."""
    with users_handled():
        bot = make_app()
        with bot.session() as session:
            user = disable_user(session, username=name, actor=CLI_ACTOR, now=bot.clock.now())
            username = user.username
        typer.echo(f"user {username} disabled")


@app.command("enable")
def enable_cmd(name: str = typer.Argument(..., help="Username.")) -> None:
    """Let a disabled account sign in again (exit 3 if unknown, 4 if already enabled)."""
    with users_handled():
        bot = make_app()
        with bot.session() as session:
            user = enable_user(session, username=name, actor=CLI_ACTOR, now=bot.clock.now())
            username = user.username
        typer.echo(f"user {username} enabled")


@app.command("role")
def role_cmd(
    name: str = typer.Argument(..., help="Username."),
    role: str = typer.Option(..., "--role", help="admin, editor (PR team) or agent (customer service)."),
) -> None:
    """Give an account another role (exit 3 if unknown, 4 if it already has it, 2 for an unknown role)."""
    with users_handled():
        bot = make_app()
        with bot.session() as session:
            user = set_role(session, username=name, role=role, actor=CLI_ACTOR, now=bot.clock.now())
            username, new_role = user.username, user.role
        typer.echo(f"user {username} is now {new_role}")


@app.command("passwd")
def passwd_cmd(
    name: str = typer.Argument(..., help="Username."),
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password for an account: its open sessions end (exit 3 if unknown, before any password is read)."""
    with users_handled():
        bot = make_app()
        with bot.session() as session:
            existing_user(session, name)  # an unknown name is exit 3 before anyone types (or pipes) a password
        password = _read_password(password_stdin)
        with bot.session() as session:
            set_password(session, username=name, password=password, actor=CLI_ACTOR, now=bot.clock.now())
        typer.echo(f"password of {name} set")
