"""The nightly GitHub Actions workflow that ``cassettes init --ci github`` writes.

The workflow is built as data and dumped with PyYAML, so it is valid YAML by construction
(no string templating of ``${{ }}`` expressions or shell quoting). Jobs:

- ``refresh``: re-plays the cassettes live (one job, or a matrix of ``--shard K/N`` jobs), writes
  the JSON report, a JUnit file and, unsharded, the HTML report and the Markdown step summary;
- ``merge`` (sharded only): joins the shard reports with ``cassettes merge`` and renders them;
- ``pull-request`` (optional): applies the live responses of drifted interactions with
  ``cassettes accept`` (no second round of live calls) and opens a pull request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

WORKFLOW_PATH = ".github/workflows/cassettes-refresh.yml"
DEFAULT_CRON = "17 3 * * *"  # off the hour: GitHub delays jobs scheduled on the hour
DEFAULT_PYTHON = "3.12"
INSTALL = "python -m pip install cassettes"
REPORT = "cassettes-report.json"
ARTIFACT = "cassettes-report"
MAX_SHARDS = 64


@dataclass(frozen=True)
class WorkflowOptions:
    """What the generated workflow does."""

    shards: int = 1
    pr_job: bool = False
    cron: str = DEFAULT_CRON
    python: str = DEFAULT_PYTHON
    secrets: tuple[str, ...] = ()  # env variables of [tool.cassettes.auth], from repository secrets


def _setup_steps(options: WorkflowOptions) -> list[dict[str, Any]]:
    return [
        {"uses": "actions/checkout@v4"},
        {"uses": "actions/setup-python@v5", "with": {"python-version": options.python}},
        {"name": "Install cassettes", "run": INSTALL},
    ]


def _env(options: WorkflowOptions) -> dict[str, str]:
    return {name: "${{ secrets." + name + " }}" for name in options.secrets}


# Rendering steps only draw the report. `--fail-on never` turns off their exit code for drift
# (the refresh or Verdict step turns the run red), never their verdict: the pages still say
# "failed" at the project's fail_on. Exit 3 ("some interactions could not be checked") is the
# verdict's business too, not a rendering failure; 2 (a broken report) still fails the step.
RENDER_ONLY = " || [ $? -eq 3 ]"


def _render_steps(report: str, *, summary: bool = True) -> list[dict[str, Any]]:
    """HTML report and Markdown step summary from a JSON report (they run whatever the verdict,
    and show it: tests/test_review_pages.py runs them as written on breaking drift)."""
    when = f"always() && hashFiles('{report}') != ''"
    steps: list[dict[str, Any]] = [{
        "name": "HTML report",
        "if": when,
        "run": f"cassettes report {report} --format html --output cassettes-report.html --fail-on never"
               + RENDER_ONLY,
    }]
    if summary:
        steps.append({
            "name": "Drift summary",
            "if": when,
            "run": f'cassettes report {report} --format markdown --fail-on never >> "$GITHUB_STEP_SUMMARY"'
                   + RENDER_ONLY,
        })
    return steps


def _upload(name: str, paths: list[str]) -> dict[str, Any]:
    return {
        "name": "Upload reports",
        "if": "always()",
        "uses": "actions/upload-artifact@v4",
        "with": {"name": name, "path": "\n".join(paths) + "\n", "if-no-files-found": "ignore",
                 "retention-days": 30},
    }


def _refresh_job(options: WorkflowOptions) -> dict[str, Any]:
    job: dict[str, Any] = {"runs-on": "ubuntu-latest", "timeout-minutes": 60}
    env = _env(options)
    if options.shards > 1:
        report = "cassettes-report-${{ matrix.shard }}.json"
        junit = "cassettes-junit-${{ matrix.shard }}.xml"
        job["name"] = "refresh (shard ${{ matrix.shard }}/" + str(options.shards) + ")"
        job["strategy"] = {"fail-fast": False, "matrix": {"shard": list(range(1, options.shards + 1))}}
        refresh: dict[str, Any] = {
            "name": "Re-play recorded requests against the live API",
            # The verdict is given once, by the merge job, on the whole report.
            "run": ("cassettes refresh --shard ${{ matrix.shard }}/" + str(options.shards) + f" --report {report}"
                    f" --format junit --output {junit} --fail-on never"),
        }
        if env:
            refresh["env"] = env
        job["steps"] = [*_setup_steps(options), refresh,
                        _upload("cassettes-shard-${{ matrix.shard }}", [report, junit])]
        return job
    refresh = {
        "name": "Re-play recorded requests against the live API",
        "run": f"cassettes refresh --report {REPORT} --format junit --output cassettes-junit.xml",
    }
    if env:
        refresh["env"] = env
    job["steps"] = [*_setup_steps(options), refresh, *_render_steps(REPORT),
                    _upload(ARTIFACT, [REPORT, "cassettes-junit.xml", "cassettes-report.html"])]
    return job


def _merge_job(options: WorkflowOptions) -> dict[str, Any]:
    return {
        "needs": "refresh",
        "if": "always()",
        "runs-on": "ubuntu-latest",
        "steps": [
            *_setup_steps(options),
            {"uses": "actions/download-artifact@v4",
             "with": {"pattern": "cassettes-shard-*", "path": "shards", "merge-multiple": True}},
            {"name": "Merge shard reports", "run": f"cassettes merge shards/*.json --output {REPORT}"},
            {"name": "JUnit report", "if": "always()",
             "run": f"cassettes report {REPORT} --format junit --output cassettes-junit.xml --fail-on never"
                    + RENDER_ONLY},
            *_render_steps(REPORT),
            _upload(ARTIFACT, [REPORT, "cassettes-junit.xml", "cassettes-report.html"]),
            # Exit code 1 (drift at or above fail_on) or 3 (incomplete) turns the run red.
            {"name": "Verdict", "run": f"cassettes report {REPORT} --format text"},
        ],
    }


def _pull_request_job(options: WorkflowOptions, after: str) -> dict[str, Any]:
    reports = "${{ runner.temp }}/cassettes"
    return {
        "needs": after,
        # Drift makes the verdict job fail; that is exactly when a pull request is useful.
        "if": f"always() && needs.{after}.result != 'cancelled'",
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "write", "pull-requests": "write"},
        "steps": [
            *_setup_steps(options),
            # Outside the checkout, so the reports are not committed with the cassettes.
            {"uses": "actions/download-artifact@v4", "with": {"name": ARTIFACT, "path": reports}},
            {"name": "Write the live responses of drifted interactions into the cassettes",
             "run": f"cassettes accept {reports}/{REPORT}"},
            # The body shows the drift this pull request accepts, with the night's verdict.
            {"name": "Pull request body",
             "run": (f"cassettes report {reports}/{REPORT} --format markdown --fail-on never"
                     f" --output {reports}/body.md")},
            {"uses": "peter-evans/create-pull-request@v7",
             "with": {
                 "branch": "cassettes/refresh",
                 "delete-branch": True,
                 "title": "Refresh cassettes: the live API drifted",
                 "commit-message": "Refresh cassettes with the live API's responses (cassettes accept)",
                 "body-path": f"{reports}/body.md",
                 "labels": "cassettes",
             }},
        ],
    }


def build_workflow(options: WorkflowOptions) -> dict[str, Any]:
    """The workflow as a mapping (see the module docstring)."""
    if not 1 <= options.shards <= MAX_SHARDS:
        raise ValueError(f"shards must be between 1 and {MAX_SHARDS}")
    jobs: dict[str, Any] = {"refresh": _refresh_job(options)}
    verdict_job = "refresh"
    if options.shards > 1:
        jobs["merge"] = _merge_job(options)
        verdict_job = "merge"
    if options.pr_job:
        jobs["pull-request"] = _pull_request_job(options, verdict_job)
    return {
        "name": "cassettes refresh",
        "on": {"schedule": [{"cron": options.cron}], "workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "cassettes-refresh", "cancel-in-progress": False},
        "jobs": jobs,
    }


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as ``|`` literals, keys in the order built."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = """\
# Nightly drift check of the recorded HTTP interactions (vcrpy cassettes).
# Written by `cassettes init --ci github`; edit freely (re-run with --force to regenerate).
# Reports: the run's summary page (Markdown) and the "{artifact}" artifact (JSON, JUnit, HTML).
# Exit codes of `cassettes refresh`/`report`: 1 drift at or above fail_on, 3 incomplete.
# Credentials for the live API: [tool.cassettes.auth] in pyproject.toml names environment
# variables; add each as a repository secret of the same name.
"""


def render_workflow(options: WorkflowOptions) -> str:
    """The workflow file's text: a comment header and the YAML document."""
    body = yaml.dump(build_workflow(options), Dumper=_Dumper, sort_keys=False, width=1000,
                     default_flow_style=False)
    # PyYAML quotes the key `on` (YAML 1.1 boolean); GitHub reads either form.
    return HEADER.format(artifact=ARTIFACT) + body
