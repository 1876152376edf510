"""``cassettes init``."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.config import DEFAULT_CASSETTE_DIR
from cassettes_tool.errors import UsageError


@click.command("init")
@click.option("--ci", type=click.Choice(["github"]), default=None,
              help="Also write a nightly CI workflow (.github/workflows/cassettes-refresh.yml).")
@click.option("--shards", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Split the nightly refresh over N parallel jobs (--shard K/N), joined by `cassettes merge`.")
@click.option("--pr-job/--no-pr-job", default=False, show_default=True,
              help="Add a job that opens a pull request with the live responses of drifted interactions "
                   "(needs 'Allow GitHub Actions to create pull requests' in the repository settings).")
@click.option("--schedule", "cron", default=None, metavar="CRON",
              help="Cron schedule of the nightly run (UTC).  [default: 17 3 * * *]")
@click.option("--python", "python_version", default=None, metavar="VERSION",
              help="Python version of the CI jobs.  [default: 3.12]")
@click.option("--cassette-dir", default=None, metavar="DIR",
              help="cassette_dir written into the new [tool.cassettes] section.  [default: the one existing "
                   f"tests/cassettes-like folder, else {DEFAULT_CASSETTE_DIR}]")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The project folder (where pyproject.toml is or will be).")
@click.option("--pin-actions", is_flag=True,
              help="Name each action of the workflow by commit SHA (a comment says which release) "
                   "instead of its major version tag.")
@click.option("--force", is_flag=True,
              help="Replace an existing workflow file. An existing [tool.cassettes] section is never touched.")
@pass_app
def init_command(app: AppContext, ci: str | None, shards: int, pr_job: bool, cron: str | None,
                 python_version: str | None, cassette_dir: str | None, project_dir: Path, pin_actions: bool,
                 force: bool) -> int:
    """Set up cassettes in this project.

    Appends a commented [tool.cassettes] section (every key at its default) to pyproject.toml,
    creating the file if there is none; a project that already has the section is left as it is.
    With --ci github, also writes a nightly GitHub Actions workflow: scheduled `cassettes refresh`,
    JUnit and HTML reports as artifacts, the Markdown report in the step summary, optional
    sharding (--shards) and an optional pull-request job (--pr-job).
    """
    from cassettes_tool.core.discovery import display_path
    from cassettes_tool.setup.ci_workflow import DEFAULT_CRON, DEFAULT_PYTHON, WorkflowOptions
    from cassettes_tool.setup.init import SKIPPED, InitOptions, run_init
    from cassettes_tool.setup.install_line import install_line

    if ci is None and (shards != 1 or pr_job or cron or python_version or force or pin_actions):
        raise UsageError("--shards, --pr-job, --schedule, --python, --pin-actions and --force need --ci github")
    install = install_line()
    options = InitOptions(
        project_dir=project_dir, cassette_dir=cassette_dir, ci=ci, force=force,
        workflow=WorkflowOptions(shards=shards, pr_job=pr_job, cron=cron or DEFAULT_CRON,
                                 python=python_version or DEFAULT_PYTHON, install=install.command,
                                 pin_actions=pin_actions),
    )
    actions = run_init(options)
    if ci is not None and install.note:
        app.info(f"note: {install.note}")
    for action in actions:
        app.info(f"{display_path(action.path)}: {action.outcome}: {action.detail}")
    if all(action.outcome == SKIPPED for action in actions):
        app.info("nothing to do: this project is already set up")
    app.info("next: record a cassette in a test (@pytest.mark.cassette), then `cassettes list`, "
             "`cassettes refresh --dry-run`; see `cassettes demo` for a tour")
    return 0
