"""The ``cassettes`` command line: parse, load config, call the library, render, exit.

One module per command in this package, loaded only when that command runs (a lazy group, so
``cassettes --help`` imports no command and no command imports another). This module is the
one error boundary: every :class:`~cassettes_tool.errors.CassettesError` becomes one line on
stderr and its exit code (:class:`~cassettes_tool.errors.ExitCode`).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from cassettes_tool._version import __version__
from cassettes_tool.cli.context import AppContext
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.errors import CassettesError, ExitCode

#: command name -> "module:attribute" under cassettes_tool.cli, in the order --help lists them.
COMMANDS: dict[str, str] = {
    "list": "inventory:list_command",
    "show": "inventory:show_command",
    "refresh": "refresh:refresh_command",
    "report": "report:report_command",
    "diff": "diff:diff_command",
    "accept": "accept:accept_command",
    "merge": "merge:merge_command",
    "prune": "prune:prune_command",
    "audit": "audit:audit_command",
    "init": "init:init_command",
    "demo": "demo:demo_command",
    "schema": "schema:schema_command",
    "check": "check:check_command",
}


def _more_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        ctx.ensure_object(AppContext).verbosity += value


def _quieter(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(AppContext).verbosity = -1


def verbosity_options(command: click.Command) -> click.Command:
    """``-v``/``--verbose`` (repeatable) and ``-q``/``--quiet`` after the command name too."""
    command.params.extend([
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_more_verbose,
                     help="More detail on stderr (-vv: tracebacks of internal errors)."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_quieter,
                     help="Only errors on stderr."),
    ])
    return command


class CassettesGroup(click.Group):
    """Loads each command on first use and turns a :class:`CassettesError` into its exit code.

    Doing the error translation here (not only in :func:`main`) gives CliRunner-based tests the
    same behaviour as the console script.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(f"{__name__}.{module_name}"), attribute)
        if not any(param.name == "verbose" for param in command.params):
            verbosity_options(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CassettesError as exc:
            click.echo(escape_controls(f"cassettes: error: {exc}"), err=True)
            raise click.exceptions.Exit(exc.exit_code) from None


@click.group(cls=CassettesGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest pyproject.toml [tool.cassettes].",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: tracebacks of internal errors).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(__version__, prog_name="cassettes")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """Keep recorded HTTP interactions (vcrpy cassettes) honest.

    Exit codes: 0 fine; 1 drift at or above --fail-on, or secrets found; 2 usage or
    configuration error; 3 incomplete (some cassettes or interactions could not be checked);
    70 internal error; 130 interrupted. -v and -q work before or after the command.
    """
    ctx.obj = AppContext(config_path=config_path, verbosity=-1 if quiet else verbose)


@cli.result_callback()
def _exit_with_result(result: object, **_: object) -> None:
    """Commands return their exit code; make it the process's."""
    if isinstance(result, int) and result:
        raise click.exceptions.Exit(result)


def _wants_traceback(argv: Sequence[str]) -> bool:
    """-v, -vv or --verbose anywhere before ``--`` (the context may not exist yet on a crash)."""
    if os.environ.get("CASSETTES_DEBUG"):
        return True
    for token in argv:
        if token == "--":
            break
        if token == "--verbose" or (len(token) > 1 and token[0] == "-" and set(token[1:]) == {"v"}):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m cassettes_tool``."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = cli.main(args=args, prog_name="cassettes", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("cassettes: aborted", err=True)
        return ExitCode.INTERRUPTED
    except CassettesError as exc:
        click.echo(escape_controls(f"cassettes: error: {exc}"), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("cassettes: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # the last line of defence: never a bare traceback
        if _wants_traceback(args):
            traceback.print_exc()
        click.echo(
            escape_controls(f"cassettes: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
                            "(run with -v for the traceback; please report it)"),
            err=True,
        )
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK
