"""Refresh reads the proxy and CA variables once per origin; what it sends is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from cassettes_tool.core.config import Config
from cassettes_tool.refresh import RefreshOptions, run_refresh
from cassettes_tool.refresh.environment import environment_settings, freeze_environment
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.server import LoopbackServer

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
                   "ALL_PROXY", "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("url", [
    "http://internal.test/a?b=1", "http://internal.test:8080/x", "https://api.test:8443/v1/users",
    "http://10.1.2.3/p", "http://api.test/", "https://other.test/deep/path",
])
def test_the_frozen_settings_are_what_requests_computes_for_every_url_of_the_origin(
    url: str, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("HTTP_PROXY", "http://proxy.test:3128")
    clean_environment.setenv("HTTPS_PROXY", "http://secure-proxy.test:3129")
    clean_environment.setenv("NO_PROXY", "internal.test,10.0.0.0/8,api.test:8443")
    clean_environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    expected = requests.Session().merge_environment_settings(url, {}, True, None, None)
    parts = requests.utils.urlparse(url)
    frozen = requests.Session()
    freeze_environment(frozen, f"{parts.scheme}://{parts.netloc}")
    assert frozen.trust_env is False
    kwargs = environment_settings(frozen)
    assert frozen.merge_environment_settings(url, kwargs["proxies"], True, kwargs["verify"],
                                             kwargs["cert"]) == expected


def test_each_call_gets_its_own_proxies_mapping() -> None:
    session = requests.Session()
    freeze_environment(session, "http://api.test")
    first = environment_settings(session)
    first["proxies"]["http"] = "http://changed.test"
    assert environment_settings(session)["proxies"] != first["proxies"]


def refresh(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    outcome = run_refresh(config, RefreshOptions.from_config(config, [tmp_path], retries=0), environ={})
    summary = outcome.report.summary()
    assert summary["ok"] == summary["interactions"] == 3, summary


def test_a_proxy_from_the_environment_carries_every_call_and_no_proxy_still_bypasses_it(
    tmp_path: Path, loopback_server: LoopbackServer, clean_environment: pytest.MonkeyPatch
) -> None:
    proxy = LoopbackServer().start()  # answers absolute-URI requests as a plain HTTP proxy would
    try:
        for server in (loopback_server, proxy):
            server.route("GET", "*", json={"id": 1})
        write_cassette(tmp_path / "c.yaml", [
            interaction("GET", loopback_server.url(f"/users/{n}"), {"id": 1}) for n in range(3)])
        clean_environment.setenv("HTTP_PROXY", proxy.base_url)
        refresh(tmp_path)
        assert sorted(r.path for r in proxy.requests) == ["/users/0", "/users/1", "/users/2"]
        assert loopback_server.requests == []

        clean_environment.setenv("NO_PROXY", "127.0.0.1")
        refresh(tmp_path)
        assert sorted(r.path for r in loopback_server.requests) == ["/users/0", "/users/1", "/users/2"]
        assert len(proxy.requests) == 3
    finally:
        proxy.stop()


def test_the_ca_bundle_variable_still_applies_to_every_call(
    tmp_path: Path, loopback_server: LoopbackServer, clean_environment: pytest.MonkeyPatch
) -> None:
    loopback_server.route("GET", "*", json={"id": 1})
    write_cassette(tmp_path / "c.yaml", [interaction("GET", "https://api.example.com/users", {"id": 1})])
    missing = tmp_path / "no-such-ca.pem"
    clean_environment.setenv("REQUESTS_CA_BUNDLE", str(missing))
    config = Config(root=tmp_path)
    https_url = loopback_server.base_url.replace("http://", "https://")
    options = RefreshOptions.from_config(config, [tmp_path], retries=0,
                                         rewrite_hosts={"api.example.com": https_url})
    outcome = run_refresh(config, options, environ={})
    [cassette] = outcome.report.cassettes
    [result] = cassette.interactions
    assert result.status == "error"
    assert "no-such-ca.pem" in (result.reason or ""), result.reason  # the variable was read
