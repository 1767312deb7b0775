"""bot/logs.py: one configuration for structlog and stdlib logging; secrets never reach a log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from bot.logs import REDACTED, SecretRedactor, configure_logging
from bot.settings import XCredentials, load_settings

REPO = Path(__file__).resolve().parent.parent
ACCESS_TOKEN = "1234-AccessTokenValue9f8e7d"
ACCESS_SECRET = "AccessSecretValue-5c4b3a"
CONSUMER_SECRET = "ConsumerSecretValue-0a1b2c"
WEBHOOK_SECRET = "whsec-4242-never-log-me"
DB_PASSWORD = "pg-pass-s3cr3t"
ALL_SECRETS = (ACCESS_TOKEN, ACCESS_SECRET, CONSUMER_SECRET, WEBHOOK_SECRET, DB_PASSWORD)


@pytest.fixture
def secrets() -> list[str]:
    """The secrets as the entry point gets them: from `Settings.secrets()`."""
    settings = load_settings(
        {
            "DATABASE_URL": f"postgresql://brandbot:{DB_PASSWORD}@127.0.0.1:5432/brandbot",
            "X_CONSUMER_KEY": "ConsumerKeyValue-77",
            "X_CONSUMER_SECRET": CONSUMER_SECRET,
            "X_ACCESS_TOKEN": ACCESS_TOKEN,
            "X_ACCESS_TOKEN_SECRET": ACCESS_SECRET,
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TEMPLATE_DIR": str(REPO / "templates"),
        },
        env_file=None,
    )
    return settings.secrets()


@pytest.fixture(autouse=True)
def _clear_contextvars() -> Iterator[None]:
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()


def _configure(secrets: list[str], log_format: str = "json", level: str = "INFO") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(log_format=log_format, level=level, secrets=secrets, stream=stream)
    return stream


def _json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _assert_clean(output: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in output
    assert REDACTED in output


class TestSettingsSecrets:
    def test_settings_hand_over_every_secret(self, secrets: list[str]) -> None:
        """`Settings.secrets()` holds the X keys, the webhook secret and the database password."""
        assert sorted(secrets) == sorted([*ALL_SECRETS, "ConsumerKeyValue-77"])

    def test_credentials_repr_hides_values(self) -> None:
        """A credentials object logged by mistake shows no secret in its repr."""
        creds = XCredentials(consumer_key="ck-123456", access_token=ACCESS_TOKEN)
        assert ACCESS_TOKEN not in repr(creds)
        assert "ck-123456" not in repr(creds)


class TestRedaction:
    @pytest.mark.parametrize("log_format", ["json", "console"])
    def test_secret_in_a_value(self, secrets: list[str], log_format: str) -> None:
        """A secret inside a string value is replaced, in both output formats."""
        stream = _configure(secrets, log_format)
        structlog.get_logger().info("x.request", header=f"Bearer {ACCESS_TOKEN}", note="ok")
        output = stream.getvalue()
        _assert_clean(output)
        assert "Bearer [redacted]" in output

    def test_secret_in_the_event_and_positional_args(self, secrets: list[str]) -> None:
        """The event text itself, including %-style arguments, is scrubbed."""
        stream = _configure(secrets)
        structlog.get_logger().warning("refreshing with %s", ACCESS_SECRET)
        (line,) = _json_lines(stream)
        assert (line["event"], line["level"]) == ("refreshing with [redacted]", "warning")

    def test_secret_in_nested_containers(self, secrets: list[str]) -> None:
        """Secrets nested in dicts, lists and tuples are scrubbed at any depth."""
        stream = _configure(secrets)
        structlog.get_logger().info(
            "webhook.received",
            request={"headers": {"X-Signature": WEBHOOK_SECRET}, "params": [("pw", DB_PASSWORD)]},
            tokens=[ACCESS_TOKEN, {"inner": f"secret={CONSUMER_SECRET}"}],
        )
        _assert_clean(stream.getvalue())
        (line,) = _json_lines(stream)
        assert line["request"] == {"headers": {"X-Signature": REDACTED}, "params": [["pw", REDACTED]]}
        assert line["tokens"] == [REDACTED, {"inner": "secret=[redacted]"}]

    def test_secret_named_keys_are_redacted_whatever_the_value(self, secrets: list[str]) -> None:
        """Values under keys such as `password` or `token` are hidden even when not a known secret."""
        stream = _configure(secrets)
        structlog.get_logger().info("login", password="hunter2", token="abc", nested={"Authorization": "Basic xyz"})
        (line,) = _json_lines(stream)
        assert (line["password"], line["token"], line["nested"]) == (REDACTED, REDACTED, {"Authorization": REDACTED})

    def test_exception_value(self, secrets: list[str]) -> None:
        """An exception passed as a value is logged without the secret its message carries."""
        stream = _configure(secrets)
        structlog.get_logger().error("x.failed", error=RuntimeError(f"401 for token {ACCESS_TOKEN}"))
        (line,) = _json_lines(stream)
        assert line["error"] == "RuntimeError('401 for token [redacted]')"

    @pytest.mark.parametrize("log_format", ["json", "console"])
    def test_exception_traceback(self, secrets: list[str], log_format: str) -> None:
        """`log.exception` renders the traceback with the secret replaced."""
        stream = _configure(secrets, log_format)
        try:
            raise ValueError(f"cannot connect with password {DB_PASSWORD}")
        except ValueError:
            structlog.get_logger().exception("db.failed")
        output = stream.getvalue()
        _assert_clean(output)
        assert "ValueError: cannot connect with password [redacted]" in output

    def test_object_whose_repr_holds_a_secret(self, secrets: list[str]) -> None:
        """An arbitrary object (here a URL with a token in its query) is scrubbed once rendered."""

        class Url:
            def __repr__(self) -> str:
                return f"Url('https://api.example/cb?code={ACCESS_TOKEN}')"

        stream = _configure(secrets)
        structlog.get_logger().info("callback", url=Url())
        _assert_clean(stream.getvalue())

    def test_short_values_are_not_treated_as_secrets(self) -> None:
        """Secrets under four characters are ignored, so `a` or `42` do not blank out every line."""
        redactor = SecretRedactor(["42", "", "abcd"])
        assert redactor(None, "info", {"event": "answer 42 abcd"}) == {"event": "answer 42 [redacted]"}


class TestStdlibLogging:
    def test_stdlib_message_is_redacted(self, secrets: list[str]) -> None:
        """A library logging through `logging` (uvicorn, apscheduler) cannot leak a secret."""
        stream = _configure(secrets)
        logging.getLogger("uvicorn.error").warning("bad header %s", f"Bearer {ACCESS_TOKEN}")
        output = stream.getvalue()
        _assert_clean(output)
        assert "bad header Bearer [redacted]" in output

    @pytest.mark.parametrize("log_format", ["json", "console"])
    def test_stdlib_traceback_is_redacted(self, secrets: list[str], log_format: str) -> None:
        """The traceback of a stdlib `logger.exception` is scrubbed too."""
        stream = _configure(secrets, log_format)
        try:
            raise ConnectionError(f"postgresql://brandbot:{DB_PASSWORD}@db refused")
        except ConnectionError:
            logging.getLogger("apscheduler.executors.default").error("job failed", exc_info=True)
        output = stream.getvalue()
        _assert_clean(output)
        assert "ConnectionError: postgresql://brandbot:[redacted]@db refused" in output

    def test_stdlib_lines_are_json_in_json_mode(self, secrets: list[str]) -> None:
        """With `log_format=json` every line, also a library's, is one JSON object."""
        stream = _configure(secrets)
        logging.getLogger("alembic.runtime").warning("slow migration %d s", 12)
        (line,) = _json_lines(stream)
        assert (line["event"], line["level"], line["logger"]) == ("slow migration 12 s", "warning", "alembic.runtime")

    def test_stdlib_below_warning_is_dropped(self, secrets: list[str]) -> None:
        """The root logger stays at WARNING so chatty libraries do not flood the output."""
        stream = _configure(secrets)
        logging.getLogger("apscheduler.scheduler").info("Added job")
        assert stream.getvalue() == ""


class TestFormat:
    def test_json_lines(self, secrets: list[str]) -> None:
        """`log_format=json` writes one JSON object a line with level and ISO UTC timestamp."""
        stream = _configure(secrets)
        log = structlog.get_logger()
        log.info("first", n=1)
        log.warning("second", n=2)
        lines = _json_lines(stream)
        assert [(x["event"], x["level"], x["n"]) for x in lines] == [("first", "info", 1), ("second", "warning", 2)]
        assert all(x["timestamp"].endswith("Z") for x in lines)

    def test_auto_is_json_when_not_a_terminal(self, secrets: list[str]) -> None:
        """`auto` picks JSON for a stream that is not a TTY (a container's stdout)."""
        stream = _configure(secrets, "auto")
        structlog.get_logger().info("hello")
        assert _json_lines(stream)[0]["event"] == "hello"

    def test_console_is_not_json(self, secrets: list[str]) -> None:
        """`console` writes readable key=value lines."""
        stream = _configure(secrets, "console")
        structlog.get_logger().info("hello", n=1)
        output = stream.getvalue()
        assert "hello" in output
        assert "n=1" in output
        assert not output.lstrip().startswith("{")

    def test_level_filters(self, secrets: list[str]) -> None:
        """Events below the configured level are dropped."""
        stream = _configure(secrets, level="WARNING")
        log = structlog.get_logger()
        log.info("dropped")
        log.warning("kept")
        assert [x["event"] for x in _json_lines(stream)] == ["kept"]

    def test_bound_context_ids_appear_on_every_line(self, secrets: list[str]) -> None:
        """Ids bound with contextvars (post, mention, job) appear on each line until unbound."""
        stream = _configure(secrets)
        log = structlog.get_logger()
        structlog.contextvars.bind_contextvars(post_id=42, job="publish")
        log.info("post.sending")
        log.info("post.sent", tweet_id="1900000000000000001")
        structlog.contextvars.unbind_contextvars("post_id")
        log.info("job.done")
        lines = _json_lines(stream)
        assert [(x["event"], x.get("post_id"), x["job"]) for x in lines] == [
            ("post.sending", 42, "publish"),
            ("post.sent", 42, "publish"),
            ("job.done", None, "publish"),
        ]
