"""The ``cassettes`` command line: parse, load config, call the library, render, exit.

This module is the one error boundary: every :class:`CassettesError` becomes one line on
stderr and its exit code (0 fine, 1 drift/secrets, 2 usage/config, 3 incomplete).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import __version__
from .config import Config, load_config
from .errors import EXIT_USAGE, CassettesError


@dataclass
class AppContext:
    """What every command gets: the config (loaded on first use) and verbosity."""

    config_path: Path | None = None
    verbosity: int = 0
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def info(self, message: str) -> None:
        """A progress or status message on stderr (silenced by -q)."""
        if self.verbosity >= 0:
            click.echo(message, err=True)

    def debug(self, message: str) -> None:
        if self.verbosity > 0:
            click.echo(message, err=True)


pass_app = click.make_pass_decorator(AppContext)


class CassettesGroup(click.Group):
    """Turns a :class:`CassettesError` into one line on stderr and its exit code.

    Doing it here (not only in :func:`main`) gives CliRunner-based tests the same behaviour.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CassettesError as exc:
            click.echo(f"cassettes: error: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None


@click.group(cls=CassettesGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest pyproject.toml [tool.cassettes].",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (tracebacks of internal errors).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(__version__, prog_name="cassettes")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """Keep recorded HTTP interactions (vcrpy cassettes) honest.

    Exit codes: 0 fine; 1 drift at or above --fail-on, or secrets found; 2 usage or
    configuration error; 3 incomplete (some cassettes or interactions could not be checked).
    """
    ctx.obj = AppContext(config_path=config_path, verbosity=-1 if quiet else verbose)


@cli.result_callback()
def _exit_with_result(result: object, **_: object) -> None:
    """Commands return their exit code; make it the process's."""
    if isinstance(result, int) and result:
        raise click.exceptions.Exit(result)


def _register() -> None:
    from .commands import inventory as inventory_cmd

    cli.add_command(inventory_cmd.list_command)
    cli.add_command(inventory_cmd.show_command)
    from .commands.audit import audit_command; cli.add_command(audit_command)  # noqa: E702, I001
    from .commands.prune import prune_command; cli.add_command(prune_command)  # noqa: E702, I001
    from .commands.diff import diff_command; cli.add_command(diff_command)  # noqa: E702, I001
    from .commands.report import report_command; cli.add_command(report_command)  # noqa: E702, I001
    from .commands.merge import merge_command; cli.add_command(merge_command)  # noqa: E702, I001
    from .commands.accept import accept_command; cli.add_command(accept_command)  # noqa: E702, I001
    from .commands.init import init_command; cli.add_command(init_command)  # noqa: E702, I001
    from .commands.demo import demo_command; cli.add_command(demo_command)  # noqa: E702, I001
    from .commands.refresh import refresh_command; cli.add_command(refresh_command)  # noqa: E702, I001


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m cassettes_tool``."""
    verbose = "-v" in (argv if argv is not None else sys.argv[1:]) or bool(os.environ.get("CASSETTES_DEBUG"))
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="cassettes", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("cassettes: aborted", err=True)
        return 130
    except CassettesError as exc:
        click.echo(f"cassettes: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("cassettes: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: never a bare traceback
        if verbose:
            traceback.print_exc()
        click.echo(
            f"cassettes: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(run with -v for the traceback; please report it)",
            err=True,
        )
        return EXIT_USAGE
    return int(result) if isinstance(result, int) else 0
