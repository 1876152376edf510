"""Configuration: every key of docs/configuration.md, validated with errors that name key, value and choices."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.config import Config, find_pyproject, load_config, parse_config
from cassettes_tool.core.durations import parse_duration
from cassettes_tool.errors import ConfigError
from tests.helpers.cli import run_cli

FULL = """
[tool.cassettes]
cassette_dir = "tests/cassettes"
record_mode = "none"
match_on = ["method", "scheme", "host", "port", "path", "query"]
max_age = "30d"
on_expired = "warn"
filter_headers = ["X-Custom-Secret"]
filter_query_parameters = ["session"]
filter_body_fields = ["pin"]

[tool.cassettes.refresh]
workers = 8
timeout = 10.0
retries = 2
methods = ["GET", "HEAD", "OPTIONS"]
samples = 1
fail_on = "breaking"
rewrite_hosts = { "api.example.com" = "http://127.0.0.1:8080" }

[tool.cassettes.auth."api.example.com"]
header = "Authorization"
env = "EXAMPLE_TOKEN"
format = "Bearer {}"

[tool.cassettes.drift]
ignore = ["$.meta.request_id"]
watch_headers = ["content-type"]
"""


def test_the_spec_example_parses_into_frozen_objects(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(FULL)
    config = load_config(start=tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.max_age == timedelta(days=30)
    assert config.refresh.rewrite_hosts == {"api.example.com": "http://127.0.0.1:8080"}
    assert config.auth["api.example.com"].format == "Bearer {}"
    assert config.drift.ignore == ("$.meta.request_id",)
    assert config.cassette_path == tmp_path.resolve() / "tests" / "cassettes"
    assert config.usage_path == tmp_path.resolve() / ".cassettes" / "usage.json"
    with pytest.raises(AttributeError):
        config.record_mode = "all"  # type: ignore[misc]


def test_user_filter_lists_extend_the_defaults() -> None:
    config = parse_config({"filter_headers": ["X-Custom-Secret"], "filter_body_fields": ["pin"]})
    assert "authorization" in config.all_filter_headers and "x-custom-secret" in config.all_filter_headers
    assert {"password", "pin"} <= set(config.all_filter_body_fields)


def test_the_nearest_pyproject_above_the_working_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\nrecord_mode = "once"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == tmp_path / "pyproject.toml"
    assert load_config(start=deep).record_mode == "once"


def test_no_pyproject_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config == Config(root=tmp_path.resolve())


@pytest.mark.parametrize(
    ("raw", "fragments"),
    [
        ({"record_mode": "sometimes"}, ["record_mode", "'sometimes'", "none | once | new_episodes | all"]),
        ({"on_expired": "explode"}, ["on_expired", "warn | fail | rerecord"]),
        ({"max_age": "30 days"}, ["max_age", "'30 days'", "12h, 30d"]),
        ({"max_age": 30}, ["max_age", "30"]),
        ({"match_on": "method"}, ["match_on", "list of non-empty strings"]),
        ({"refresh": {"workers": 0}}, ["refresh.workers", "0", "integer >= 1"]),
        ({"refresh": {"timeout": -1}}, ["refresh.timeout", "> 0"]),
        ({"refresh": {"fail_on": "always"}}, ["refresh.fail_on", "breaking | warning | info | never"]),
        ({"refresh": {"rewrite_hosts": {"a.com": "ftp://x"}}}, ["rewrite_hosts.a.com", "base URL"]),
        ({"refresh": {"wokers": 3}}, ["unknown key", "refresh.'wokers'", "workers"]),
        ({"auth": {"api.example.com": {"header": "X"}}}, ["auth.api.example.com.env", "environment variable"]),
        ({"auth": {"h": {"env": "T", "format": "Bearer"}}}, ["auth.h.format", '"{}"']),
        ({"drift": {"ignore": ["meta.id"]}}, ["drift.ignore", "starting with $"]),
        ({"unknown_key": 1}, ["unknown key", "'unknown_key'", "cassette_dir"]),
    ],
)
def test_bad_values_name_the_key_the_value_and_what_is_accepted(raw: dict[str, object], fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_overrides_are_validated_and_layered() -> None:
    base = parse_config({"record_mode": "once", "refresh": {"workers": 4}})
    layered = base.with_overrides({"record_mode": "all", "refresh": {"retries": 5}})
    assert layered.record_mode == "all" and layered.refresh.workers == 4 and layered.refresh.retries == 5
    with pytest.raises(ConfigError, match="record_mode"):
        base.with_overrides({"record_mode": "bogus"})


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("12h", 43200), ("30d", 2592000), ("2w", 1209600), ("1d12h", 129600)])
def test_durations_accept_the_documented_units(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "30y", "1.2.3d", "-1d"])
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"unit s, m, h, d or w"):
        parse_duration(text)


def test_a_config_with_an_unknown_key_is_a_one_line_cli_error_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.cassettes]\nrecrod_mode = "once"\n')
    (tmp_path / "c").mkdir()
    result = run_cli(["--config", str(config), "list", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "unknown key 'recrod_mode'" in result.stderr
    assert str(config) in result.stderr
    assert "Traceback" not in result.output


def test_invalid_toml_is_a_one_line_error(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.cassettes\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(config)


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_rewrite_host_keys_are_lower_cased_when_the_config_is_read() -> None:
    config = parse_config({"refresh": {"rewrite_hosts": {"API.Example.com:8443 ": "http://127.0.0.1:9/"}}})
    assert config.refresh.rewrite_hosts == {"api.example.com:8443": "http://127.0.0.1:9"}


def test_two_rewrite_host_keys_that_differ_only_in_case_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"refresh": {"rewrite_hosts": {"api.example.com": "http://127.0.0.1:1",
                                                    "API.example.com": "http://127.0.0.1:2"}}})
    assert "'api.example.com' is set twice" in str(caught.value)


def test_refresh_settings_take_the_file_then_the_command_line_and_the_defaults_from_one_place() -> None:
    from cassettes_tool.core import config as module

    defaults = module.RefreshSettings()
    assert (defaults.workers, defaults.timeout, defaults.retries, defaults.samples, defaults.methods,
            defaults.fail_on, defaults.update) == (
        module.DEFAULT_WORKERS, module.DEFAULT_TIMEOUT, module.DEFAULT_RETRIES, module.DEFAULT_SAMPLES,
        module.DEFAULT_METHODS, module.DEFAULT_FAIL_ON, module.DEFAULT_UPDATE)
    assert defaults.host_limit == module.DEFAULT_WORKERS
    from_file = parse_config({"refresh": {"workers": 3, "retries": 0, "methods": ["get"],
                                          "rewrite_hosts": {"a.example": "http://127.0.0.1:1"}}}).refresh
    merged = from_file.overridden(workers=5, methods=["post", "get"], rewrite_hosts={"B.example": "http://127.0.0.1:2"})
    assert (merged.workers, merged.retries, merged.methods) == (5, 0, ("POST", "GET"))
    assert merged.rewrite_hosts == {"a.example": "http://127.0.0.1:1", "b.example": "http://127.0.0.1:2"}
    assert merged.overridden(per_host=2).host_limit == 2
    assert from_file.overridden() == from_file


@pytest.mark.parametrize(("changes", "words"), [
    ({"update": "sometimes"}, ["--update 'sometimes'", "never | drift | all"]),
    ({"fail_on": "always"}, ["--fail-on 'always'", "breaking | warning | info | never"]),
    ({"workers": 0}, ["--workers 0", "an integer >= 1"]),
    ({"per_host": 0}, ["--per-host 0", "an integer >= 1"]),
    ({"retries": -1}, ["--retries -1", "an integer >= 0"]),
    ({"timeout": 0.0}, ["--timeout 0", "> 0"]),
    ({"methods": []}, ["--allow-methods", "GET,HEAD"]),
])
def test_invalid_refresh_settings_name_the_option_and_list_what_is_accepted(
        changes: dict[str, Any], words: list[str]) -> None:
    from cassettes_tool.core.config import RefreshSettings
    from cassettes_tool.errors import UsageError

    with pytest.raises(UsageError) as caught:
        RefreshSettings().overridden(**changes).validate()
    for word in words:
        assert word in str(caught.value)
