"""``cassettes demo``."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click

from cassettes_tool.cli.common import emit, text_width
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.errors import UsageError


def _arg(path: Path | str) -> str:
    from cassettes_tool.core.discovery import display_path

    return shlex.quote(display_path(Path(path)))


@click.command("demo")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("cassettes-demo"),
              show_default=True,
              help="Where the copy of the sample cassettes and the JSON and HTML reports go.")
@click.option("--serve", is_flag=True,
              help="Only run the demo API (until Ctrl-C), to try `cassettes refresh --rewrite-host` by hand.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port of the demo API on 127.0.0.1 (0: any free port).")
@pass_app
def demo_command(app: AppContext, output_dir: Path, serve: bool, port: int) -> int:
    """A one-minute tour, offline: the nightly refresh against a bundled demo API.

    Starts the demo "Acme Shop API" on 127.0.0.1 (it has drifted from the recording: a removed
    field, a type change, an added field, a status change, and many value-only changes that
    are not drift), copies the bundled sample cassettes into OUTPUT_DIR/sample_cassettes, runs
    the real `cassettes refresh` over the copy, prints the text report, writes
    OUTPUT_DIR/report.json and OUTPUT_DIR/report.html, stops the API, and shows what to try next.
    Your own files are never modified.

    Exit code 0 when the demo ran, although it finds drift (that is the point of the demo);
    non-zero only if the demo itself failed.
    """
    if serve:
        return _serve(app, port)
    from cassettes_tool import errors
    from cassettes_tool.core.discovery import display_path
    from cassettes_tool.refresh import summary_line
    from cassettes_tool.review.render import render_report, want_color
    from cassettes_tool.setup.demo.api import HOST
    from cassettes_tool.setup.demo.runner import FAIL_ON, run_demo

    if port:
        raise UsageError("--port only applies with --serve (the demo picks a free port)")
    result = run_demo(output_dir)
    report = result.outcome.report
    emit(render_report(report, "text", fail_on=FAIL_ON, color=want_color(sys.stdout),
                       report_path=display_path(result.json_report), width=text_width(None)))
    app.info(f"demo API {HOST} served at {result.api_url} (stopped); {summary_line(result.outcome)}")
    app.info(f"refreshed a copy of the sample cassettes: {_arg(result.cassettes)} (your files are untouched)")
    app.info(f"wrote {_arg(result.json_report)} and {_arg(result.html_report)}")
    problems = result.problems
    if problems:
        for problem in problems:
            app.info(f"demo problem: {problem}")
        raise errors.LiveError(f"the demo could not check {len(problems)} interaction(s) against its own API")
    # The richest example to look at next: the cassette with the most findings.
    drifted = max((c for c in report.cassettes if c.status == "drift"),
                  key=lambda c: sum(len(i.findings) for i in c.interactions), default=None)
    app.info("the demo exits 0 although it found drift (finding drift is its job); "
             "`cassettes refresh` would exit 1 here")
    app.info("")
    app.info("Next, try:")
    app.info(f"  cassettes report {_arg(result.json_report)} --format markdown   # as a PR comment / CI summary")
    app.info(f"  open {_arg(result.html_report)} in a browser   # filter by severity, recorded vs live shapes")
    if drifted is not None:
        app.info(f"  cassettes show {shlex.quote(drifted.path)}   # the recorded interaction, bodies decoded")
        app.info(f"  cassettes accept {_arg(result.json_report)} --cassette {shlex.quote(drifted.path)}"
                 "   # write the live response into that copy")
    app.info(f"  cassettes list {_arg(result.cassettes)}")
    app.info(f"  cassettes schema {_arg(result.cassettes)} -o openapi.yaml   # the API as an OpenAPI 3.1 document")
    app.info("  cassettes init --ci github   # set up your own project")
    return 0


def _serve(app: AppContext, port: int) -> int:
    from cassettes_tool.setup.demo.api import HOST
    from cassettes_tool.setup.demo.runner import samples_path
    from cassettes_tool.setup.demo.server import DemoServer

    try:
        server = DemoServer(port=port)
    except OSError as exc:
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror or exc})") from None
    with server:
        app.info(f"demo API {HOST} listening on {server.url} (Ctrl-C to stop); in another terminal:")
        app.info(f"  cassettes refresh {shlex.quote(str(samples_path()))} --rewrite-host {HOST}={server.url}")
        emit(server.url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            app.info("demo API stopped")
    return 0
