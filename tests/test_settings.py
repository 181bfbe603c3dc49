"""Whole numbers from the environment: unset means the default, anything else must be a whole number at
least the minimum, or the error names the variable (not a bare int() traceback)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.notify.delivery import RetryPolicy
from engine.settings import env_int
from web import config


@pytest.mark.parametrize("raw, expected", [(None, 7), ("", 7), ("  ", 7), ("3", 3), (" 12 ", 12)])
def test_unset_is_the_default_and_digits_are_read(raw, expected):
    env = {} if raw is None else {"MOTCUA_X": raw}
    assert env_int("MOTCUA_X", 7, env=env) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5", "1e3"])
def test_anything_else_names_the_variable(raw):
    with pytest.raises(InvalidInput, match="MOTCUA_X") as caught:
        env_int("MOTCUA_X", 7, env={"MOTCUA_X": raw})
    assert raw in caught.value.message_en


def test_a_minimum_of_zero_allows_zero():
    assert env_int("MOTCUA_X", 7, minimum=0, env={"MOTCUA_X": "0"}) == 0


def test_the_servers_settings_use_it(monkeypatch):
    assert RetryPolicy.from_env({"MOTCUA_NOTIFY_MAX_ATTEMPTS": "9"}).max_attempts == 9
    monkeypatch.setenv("MOTCUA_PROXY_HOPS", "one")
    with pytest.raises(InvalidInput, match="MOTCUA_PROXY_HOPS"):
        config.from_env()


def test_serve_refuses_a_bad_setting_with_its_name_and_no_traceback(monkeypatch):
    from click.testing import CliRunner

    from web.cli import cli

    monkeypatch.setenv("MOTCUA_PROXY_HOPS", "one")
    result = CliRunner().invoke(cli, ["serve", "--port", "5099"])
    assert result.exit_code == 1 and "MOTCUA_PROXY_HOPS" in result.output and "Traceback" not in result.output
