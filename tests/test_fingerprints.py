"""Fingerprints are stable for the same cassette, request, kind and path (docs/drift.md)."""

from __future__ import annotations

from pathlib import Path

from cassettes_tool.drift import cassette_key, fingerprint


def test_the_same_finding_in_another_cassette_has_another_fingerprint() -> None:
    one = fingerprint("GET", "https://api.example.com/users/1", "field_removed", "$.zip", "tests/cassettes/a.yaml")
    two = fingerprint("GET", "https://api.example.com/users/1", "field_removed", "$.zip", "tests/cassettes/b.yaml")
    assert one != two and len(one) == 12 and int(one, 16) >= 0


def test_query_values_do_not_change_the_fingerprint_but_query_keys_do() -> None:
    base = fingerprint("GET", "https://h/items?page=1&q=a", "field_added", "$.x", "c.yaml")
    assert fingerprint("GET", "https://h/items?q=b&page=7", "field_added", "$.x", "c.yaml") == base
    assert fingerprint("GET", "https://h/items?page=1", "field_added", "$.x", "c.yaml") != base


def test_the_cassette_key_is_relative_to_the_project_root_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: object
) -> None:
    cassette = tmp_path / "tests" / "cassettes" / "a.yaml"
    assert cassette_key(cassette, tmp_path) == "tests/cassettes/a.yaml"
    assert cassette_key(tmp_path / "tests" / ".." / "tests" / "cassettes" / "a.yaml", tmp_path) == "tests/cassettes/a.yaml"
    assert cassette_key(Path("/elsewhere/x.yaml"), tmp_path) == "/elsewhere/x.yaml"
