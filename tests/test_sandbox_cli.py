"""The `serve` command's configuration and its refusal of bad options."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.errors import ConfigError
from bot.sandbox.cli import app, build_config
from bot.sandbox.config import FaultSettings, SandboxConfig


class TestBuildConfig:
    def test_options_become_a_frozen_config(self) -> None:
        """CLI options map one to one onto SandboxConfig and FaultSettings."""
        config = build_config(tier="payg", scenario="complaint-storm", speed=120, seed=9, credits=5.0,
                              error_rate=0.1, latency_ms=50, timeout_rate=0.01, drop_rate=0.02)
        assert config == SandboxConfig(
            port=8787, tier="payg", scenario="complaint-storm", speed=120, seed=9, credits=5.0,
            faults=FaultSettings(error_rate_5xx=0.1, latency_ms=50, timeout_rate=0.01, drop_rate=0.02),
        )

    def test_every_problem_is_listed(self) -> None:
        """An unknown tier and an out-of-range rate are both reported."""
        with pytest.raises(ConfigError) as info:
            build_config(tier="gold", error_rate=1.5)
        assert info.value.problems == [
            "unknown tier 'gold' (expected one of free, basic, pro, payg, enterprise)",
            "error_rate_5xx must be between 0 and 1",
        ]


class TestServeCommand:
    def test_bad_tier_exits_2_with_the_reason(self) -> None:
        """`serve --tier gold` exits with status 2 and says why."""
        result = CliRunner().invoke(app, ["serve", "--tier", "gold", "--port", "0"])
        assert result.exit_code == 2
        assert "unknown tier 'gold'" in result.output
