"""What a new user installs: a license, declared floors the lowest-versions run really uses, a
package without symlinks, and an sdist whose tests run from the extracted archive."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONSTRAINTS = ROOT / ".ci" / "constraints-lowest.txt"


def floors() -> dict[str, str]:
    """``name -> lowest version`` of every runtime dependency, from pyproject.toml."""
    found = {}
    for requirement in PYPROJECT["project"]["dependencies"]:
        match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        assert match, f"{requirement}: every dependency declares a floor"
        found[match.group(1).lower()] = match.group(2)
    return found


def pinned() -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()]
    return {name.lower(): version for name, version in (line.split("==") for line in lines if line)}


def same_release(floor: str, version: str) -> bool:
    """``8.2`` is the same release as ``8.2.0``."""
    def parts(text: str) -> list[int]:
        numbers = [int(p) for p in text.split(".")]
        return numbers + [0] * (3 - len(numbers))
    return parts(floor) == parts(version)


def test_the_lowest_versions_run_installs_exactly_the_declared_floors() -> None:
    lowest = pinned()
    for name, floor in floors().items():
        assert name in lowest, f"{name} has no line in {CONSTRAINTS.name}"
        assert same_release(floor, lowest[name]), f"{name}: pyproject says >={floor}, {CONSTRAINTS.name} {lowest[name]}"
    assert "urllib3" in lowest and lowest["urllib3"].startswith("1.26.")
    assert lowest["pytest"].startswith("7.") and lowest["pluggy"] == "1.0.0"


def test_the_license_is_an_spdx_expression_with_its_file() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert any(c.startswith("Development Status :: ") for c in PYPROJECT["project"]["classifiers"])
    assert any(r.startswith("setuptools>=77") for r in PYPROJECT["build-system"]["requires"])


def test_the_package_holds_no_symlink() -> None:
    links = [p for p in (ROOT / "cassettes_tool").rglob("*") if p.is_symlink()]
    assert links == []


@pytest.mark.slow
def test_the_sdist_holds_the_tests_and_a_part_of_them_runs_from_it(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    [sdist] = (tmp_path / "dist").glob("cassettes-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path / "x", filter="data")
    top = names[0].split("/")[0]
    for needed in ("LICENSE", "tests/conftest.py", "tests/helpers/cli.py", "tests/golden/report.md",
                   "tests/fixtures/variants/betamax.json", "sample_cassettes/users/get_user.yaml", "docs/cli.md",
                   "cassettes_tool/setup/demo/sample_cassettes/users/get_user.yaml"):
        assert f"{top}/{needed}" in names, needed
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_variants.py",
                          "tests/test_samples.py", "-m", "not slow"],
                         cwd=tmp_path / "x" / top, capture_output=True, text=True, timeout=900)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert " passed" in ran.stdout and "error" not in ran.stdout.lower()
