"""What every command gets: the configuration (loaded on first use) and the verbosity."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from cassettes_tool.core.config import Config, load_config
from cassettes_tool.core.controls import escape_controls


@dataclass
class AppContext:
    """The state the ``cassettes`` group hands to its commands (``ctx.obj``)."""

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
            click.echo(escape_controls(message), err=True)

    def debug(self, message: str) -> None:
        """A detail on stderr, shown with -v."""
        if self.verbosity > 0:
            click.echo(escape_controls(message), err=True)


pass_app = click.make_pass_decorator(AppContext, ensure=True)
