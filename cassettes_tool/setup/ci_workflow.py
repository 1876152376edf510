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
INSTALL = "python -m pip install cassettes"  # only a fallback: init writes how cassettes is installed where it runs
JOB_TIMEOUT_MINUTES = {"refresh": 60, "merge": 15, "pull-request": 15}

# The current major release of every action the workflow uses (each on the Node 24 runtime), and
# the commit of a release of it for --pin-actions. Checked against each project's releases:
# docs/ci-sharding.md says where, and what to do when a new major comes out.
ACTIONS = {
    "checkout": ("actions/checkout", "v7", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python", "v7", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "upload-artifact": ("actions/upload-artifact", "v7", "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", "v7.0.1"),
    "download-artifact": ("actions/download-artifact", "v8", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "create-pull-request": ("peter-evans/create-pull-request", "v8", "5f6978faf089d4d20b00c7766989d076bb2fc7f1",
                            "v8.1.1"),
}
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
    install: str = INSTALL  # the pip command that installs cassettes as it is installed here
    pin_actions: bool = False  # actions by commit SHA (a comment names the release) instead of major tag


def uses(key: str, options: WorkflowOptions) -> str:
    """``owner/action@vN``, or ``owner/action@<sha>`` with ``pin_actions``."""
    repo, major, sha, _ = ACTIONS[key]
    return f"{repo}@{sha if options.pin_actions else major}"


def _setup_steps(options: WorkflowOptions) -> list[dict[str, Any]]:
    return [
        {"uses": uses("checkout", options)},
        {"uses": uses("setup-python", options), "with": {"python-version": options.python}},
        {"name": "Install cassettes", "run": options.install},
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


def _upload(name: str, paths: list[str], options: WorkflowOptions) -> dict[str, Any]:
    return {
        "name": "Upload reports",
        "if": "always()",
        "uses": uses("upload-artifact", options),
        "with": {"name": name, "path": "\n".join(paths) + "\n", "if-no-files-found": "ignore",
                 "retention-days": 30},
    }


def _refresh_job(options: WorkflowOptions) -> dict[str, Any]:
    job: dict[str, Any] = {"runs-on": "ubuntu-latest", "timeout-minutes": JOB_TIMEOUT_MINUTES["refresh"]}
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
                        _upload("cassettes-shard-${{ matrix.shard }}", [report, junit], options)]
        return job
    refresh = {
        "name": "Re-play recorded requests against the live API",
        "run": f"cassettes refresh --report {REPORT} --format junit --output cassettes-junit.xml",
    }
    if env:
        refresh["env"] = env
    job["steps"] = [*_setup_steps(options), refresh, *_render_steps(REPORT),
                    _upload(ARTIFACT, [REPORT, "cassettes-junit.xml", "cassettes-report.html"], options)]
    return job


def _merge_job(options: WorkflowOptions) -> dict[str, Any]:
    return {
        "needs": "refresh",
        "if": "always()",
        "runs-on": "ubuntu-latest",
        "timeout-minutes": JOB_TIMEOUT_MINUTES["merge"],
        "steps": [
            *_setup_steps(options),
            {"uses": uses("download-artifact", options),
             "with": {"pattern": "cassettes-shard-*", "path": "shards", "merge-multiple": True}},
            {"name": "Merge shard reports", "run": f"cassettes merge shards/*.json --output {REPORT}"},
            {"name": "JUnit report", "if": "always()",
             "run": f"cassettes report {REPORT} --format junit --output cassettes-junit.xml --fail-on never"
                    + RENDER_ONLY},
            *_render_steps(REPORT),
            _upload(ARTIFACT, [REPORT, "cassettes-junit.xml", "cassettes-report.html"], options),
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
        "timeout-minutes": JOB_TIMEOUT_MINUTES["pull-request"],
        "permissions": {"contents": "write", "pull-requests": "write"},
        "steps": [
            *_setup_steps(options),
            # Outside the checkout, so the reports are not committed with the cassettes.
            {"uses": uses("download-artifact", options), "with": {"name": ARTIFACT, "path": reports}},
            {"name": "Write the live responses of drifted interactions into the cassettes",
             "run": f"cassettes accept {reports}/{REPORT}"},
            # The body shows the drift this pull request accepts, with the night's verdict.
            {"name": "Pull request body",
             "run": (f"cassettes report {reports}/{REPORT} --format markdown --fail-on never"
                     f" --output {reports}/body.md")},
            {"uses": uses("create-pull-request", options),
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


PR_JOB_COMMENT = """\
  # A pull request opened with the default GITHUB_TOKEN starts no workflow: no CI runs on it
  # (GitHub's rule against recursive runs). To have CI check it, pass a token that is not
  # GITHUB_TOKEN to create-pull-request's `token` input: a fine-grained personal access token
  # (contents and pull requests: read and write) stored as a repository secret, or a GitHub App
  # installation token from actions/create-github-app-token.
"""


def render_workflow(options: WorkflowOptions) -> str:
    """The workflow file's text: a comment header and the YAML document."""
    body = yaml.dump(build_workflow(options), Dumper=_Dumper, sort_keys=False, width=1000,
                     default_flow_style=False)
    # PyYAML writes no comments: the pinned releases and the pull-request job's note go in here.
    if options.pin_actions:
        for repo, _, sha, release in ACTIONS.values():
            body = body.replace(f"uses: {repo}@{sha}\n", f"uses: {repo}@{sha}  # {release}\n")
    body = body.replace("\n  pull-request:\n", "\n" + PR_JOB_COMMENT + "  pull-request:\n")
    # PyYAML quotes the key `on` (YAML 1.1 boolean); GitHub reads either form.
    return HEADER.format(artifact=ARTIFACT) + body
