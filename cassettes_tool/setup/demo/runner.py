"""``cassettes demo``: the real refresh over the sample cassettes, against the demo API.

The user's files are never modified: the packaged samples are copied into
``<output_dir>/sample_cassettes`` (a folder this demo owns, marked by a ``.cassettes-demo`` file)
and refreshed there without ``--update``, with the default configuration (the user's own
``[tool.cassettes]`` is about their API, not the demo's). The demo API runs on a free loopback
port for the duration of the refresh only.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.core.config import Config
from cassettes_tool.core.storage import atomic_write_bytes
from cassettes_tool.errors import UsageError
from cassettes_tool.refresh import RefreshOptions, RefreshOutcome, run_refresh
from cassettes_tool.review.render import recorded_rows, render_report
from cassettes_tool.setup.demo.api import HOST
from cassettes_tool.setup.demo.server import DemoServer

DEFAULT_OUTPUT_DIR = Path("cassettes-demo")
MARKER = ".cassettes-demo"
FAIL_ON = "breaking"


def samples_path() -> Path:
    """The sample cassettes shipped in the package (real files, the same as the top-level ones)."""
    return Path(__file__).resolve().parent / "sample_cassettes"


def protected_samples() -> list[Path]:
    """Sample folders the demo never writes into: the package's, and in a checkout the top-level one."""
    checkout = Path(__file__).resolve().parents[3] / "sample_cassettes"
    return [samples_path().resolve(), *([checkout] if checkout.is_dir() else [])]


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: where the copy and the reports are, and the refresh outcome."""

    outcome: RefreshOutcome
    output_dir: Path
    cassettes: Path
    json_report: Path
    html_report: Path
    api_url: str

    @property
    def problems(self) -> list[str]:
        """Why the demo itself failed (an interaction that could not be checked), if it did."""
        out = [f"{c.path}: {c.error}" for c in self.outcome.report.cassettes if c.error]
        out += [f"{c.path} #{i.index}: {i.reason}" for c in self.outcome.report.cassettes
                for i in c.interactions if i.status == "error"]
        return out


def prepare_copy(output_dir: Path) -> Path:
    """A fresh copy of the samples in ``output_dir/sample_cassettes`` (refusing foreign folders)."""
    target = output_dir / "sample_cassettes"
    source = samples_path()
    if any(target.resolve().is_relative_to(samples) for samples in protected_samples()):
        raise UsageError(f"{output_dir}: is inside the sample cassettes themselves; choose another --output-dir")
    if target.exists() or target.is_symlink():
        if not (target / MARKER).is_file():
            raise UsageError(
                f"{target} exists and was not made by cassettes demo; choose another --output-dir"
            )
        shutil.rmtree(target)
    if not source.is_dir():
        raise UsageError(f"{source}: the sample cassettes are missing from this installation; reinstall cassettes")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, symlinks=False,
                        ignore=shutil.ignore_patterns(".*.lock", "__pycache__"))
        (target / MARKER).write_text("made by `cassettes demo`; deleted and re-made on every run\n",
                                     encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output_dir}: cannot write the demo's files ({exc.strerror or exc}); "
                         "choose another --output-dir") from None
    return target


def run_demo(output_dir: Path = DEFAULT_OUTPUT_DIR, *, root: Path | None = None) -> DemoResult:
    """Copy the samples, serve the demo API, refresh, write report.json and report.html."""
    cassettes = prepare_copy(output_dir)
    config = Config(root=root or Path.cwd())
    with DemoServer() as server:
        options = RefreshOptions.from_config(
            config, (cassettes,), rewrite_hosts={HOST: server.url}, workers=4, timeout=10.0,
            retries=0, update="never", fail_on=FAIL_ON,
        )
        outcome = run_refresh(config, options, environ={})
        api_url = server.url
    report = outcome.report
    json_report = output_dir / "report.json"
    html_report = output_dir / "report.html"
    atomic_write_bytes(json_report, report.dumps().encode("utf-8"))
    html = render_report(report, "html", fail_on=FAIL_ON, recorded_shapes=recorded_rows(report),
                         report_path=str(json_report))
    atomic_write_bytes(html_report, html.encode("utf-8"))
    return DemoResult(outcome=outcome, output_dir=output_dir, cassettes=cassettes, json_report=json_report,
                      html_report=html_report, api_url=api_url)
