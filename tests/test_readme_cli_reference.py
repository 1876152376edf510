"""docs/cli.md names every command and option, and the user docs' links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cassettes_tool.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"
# The user-facing pages this test keeps honest (other docs/ pages have their own owners).
PAGES = ["README.md", "docs/index.md", "docs/cli.md", "docs/configuration.md", "docs/report-schema.md",
         "docs/drift-kinds.md", "docs/migrating.md", "docs/ci-sharding.md", "docs/demo-and-init.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def sections(text: str) -> dict[str, str]:
    """``## heading`` -> the text up to the next ``## ``."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def option_names(command: click.Command) -> list[str]:
    return [name for param in command.params if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts) if name.startswith("--") and name != "--help"]


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_every_command_has_a_section_that_names_each_of_its_options() -> None:
    doc = sections(CLI_DOC.read_text(encoding="utf-8"))
    missing = []
    for name, command in sorted(cli.commands.items()):
        section = doc.get(f"`cassettes {name}`")
        if section is None:
            missing.append(f"section ## `cassettes {name}`")
            continue
        missing += [f"{name} {option}" for option in option_names(command) if f"`{option}" not in section]
    assert not missing, f"docs/cli.md lacks: {', '.join(missing)}"


def test_the_global_options_are_documented() -> None:
    section = sections(CLI_DOC.read_text(encoding="utf-8"))["Global options"]
    for option in option_names(cli):
        assert f"`{option}" in section, option


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_and_anchors_of_the_user_docs_resolve(page: str) -> None:
    source = ROOT / page
    broken = []
    for target in LINK.findall(source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # http(s): and mailto: links are not checked offline
        path_part, _, anchor = target.partition("#")
        linked = (source.parent / path_part).resolve() if path_part else source
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), flags=re.M)
            if anchor not in {slug(h) for h in headings}:
                broken.append(target)
    assert not broken, f"{page}: broken links {broken}"


def test_the_slug_matches_githubs_anchors() -> None:
    assert slug("`cassettes accept REPORT.json`") == "cassettes-accept-reportjson"
    assert slug("2. The nightly refresh") == "2-the-nightly-refresh"
    assert slug("`[tool.cassettes.drift]`") == "toolcassettesdrift"


def test_docs_configuration_describes_every_config_key() -> None:
    from cassettes_tool.core import config as config_module

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys = (config_module._TOP_KEYS - {"refresh", "drift", "auth"}) | config_module._REFRESH_KEYS \
        | config_module._AUTH_KEYS | config_module._DRIFT_KEYS
    assert not sorted(key for key in keys if f"| `{key}` |" not in text)


def test_every_pytest_option_of_the_plugin_is_documented(tmp_path: Path) -> None:
    import subprocess
    import sys

    help_text = subprocess.run([sys.executable, "-m", "pytest", "--help", "-p", "no:cassetter"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120).stdout
    names = sorted(set(re.findall(r"--cassettes-[a-z-]+", help_text)))
    assert names, "pytest --help shows no --cassettes-* option"
    section = sections(CLI_DOC.read_text(encoding="utf-8"))["pytest options"]
    assert not [name for name in names if f"`{name}" not in section]
