"""Settings for one cassette: precedence of sources, override splitting and name resolution.

Precedence, written once here and pinned by a test (docs/recording.md)::

    command line  >  marker / use_cassette(...) keywords  >  cassettes_config fixture
                  >  [tool.cassettes]  >  defaults

Each layer is a mapping that may mix the settings of docs/configuration.md (``record_mode``,
``match_on``, ``max_age`` ...) with vcrpy's own keyword arguments (``allow_playback_repeats``,
``before_record_response`` ...). Section 2 settings are validated by :mod:`cassettes_tool.core.config`;
vcrpy keywords are checked against the list vcrpy accepts.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.core.config import KNOWN_MATCHERS, Config
from cassettes_tool.errors import UsageError

# Settings of [tool.cassettes] that make sense per cassette.
SECTION_2_KEYS = frozenset({
    "cassette_dir", "record_mode", "match_on", "max_age", "on_expired", "filter_headers",
    "filter_query_parameters", "filter_body_fields",
})
# vcrpy's own keyword arguments that are passed through unchanged.
VCR_KEYS = frozenset({
    "serializer", "path_transformer", "func_path_generator", "additional_matchers",
    "record_on_exception", "before_record_request", "before_record", "before_record_response",
    "decode_compressed_response", "custom_patches", "inject_cassette", "allow_playback_repeats",
    "drop_unused_requests", "filter_sensitive_data", "before_save_interaction",
    "after_load_interaction", "skip_patchers", "filter_post_data_parameters",
    "filter_nested_post_data_parameters", "ignore_hosts", "ignore_localhost",
})
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
_UNSAFE_NAME = re.compile(r"[<>?%*:|\"'\\]")

Matcher = str | Callable[[Any, Any], Any]


@dataclass(frozen=True)
class CassetteSettings:
    """Everything needed to open one cassette, after precedence is applied."""

    config: Config
    match_on: tuple[Matcher, ...]
    vcr_kwargs: dict[str, Any] = field(default_factory=dict)
    # vcrpy-style filter entries with a custom replacement, e.g. ("Authorization", "XXX").
    vcr_filter_headers: tuple[Any, ...] = ()
    vcr_filter_query_parameters: tuple[Any, ...] = ()


def merge_layers(base: Config, layers: Sequence[Mapping[str, Any] | None],
                 registered: Collection[str] = ()) -> CassetteSettings:
    """Apply ``layers`` (lowest precedence first) on top of the file configuration ``base``.

    ``registered`` names the custom matchers usable in ``match_on`` besides vcrpy's.
    """
    section2: dict[str, Any] = {}
    vcr_kwargs: dict[str, Any] = {}
    custom_headers: list[Any] = []
    custom_query: list[Any] = []
    for layer in layers:
        for key, value in (layer or {}).items():
            if key in SECTION_2_KEYS:
                if key in ("filter_headers", "filter_query_parameters"):
                    names, custom = _split_filters(key, value)
                    (custom_headers if key == "filter_headers" else custom_query).extend(custom)
                    value = names
                if key == "match_on":
                    value = tuple(value)
                section2[key] = value
            elif key in VCR_KEYS:
                vcr_kwargs[key] = value
            else:
                accepted = ", ".join(sorted(SECTION_2_KEYS | VCR_KEYS))
                raise UsageError(f"unknown cassette option {key!r}; accepted: {accepted}")
    match_on: tuple[Matcher, ...] = tuple(section2.pop("match_on", base.match_on))
    _check_matchers(match_on, registered)
    config = base.with_overrides(
        {k: (str(v) if isinstance(v, Path) else v) for k, v in section2.items()},
        origin="cassette options",
    )
    return CassetteSettings(
        config=config, match_on=match_on, vcr_kwargs=vcr_kwargs,
        vcr_filter_headers=tuple(custom_headers), vcr_filter_query_parameters=tuple(custom_query),
    )


def _split_filters(key: str, value: Any) -> tuple[list[str], list[Any]]:
    """Plain names extend our defaults; vcrpy ``(name, replacement)`` pairs go to vcrpy."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise UsageError(f"cassette option {key} = {value!r} is not valid; accepted: a list of names")
    names = [v for v in value if isinstance(v, str)]
    custom = [v for v in value if not isinstance(v, str)]
    return names, custom


def _check_matchers(match_on: Sequence[Matcher], registered: Collection[str]) -> None:
    for matcher in match_on:
        if callable(matcher) or matcher in registered:
            continue
        if not isinstance(matcher, str) or matcher not in KNOWN_MATCHERS:
            raise UsageError(
                f"match_on entry {matcher!r} is not a known matcher; accepted: "
                f"{', '.join((*KNOWN_MATCHERS, *registered))}, or a function (request, recorded) that asserts"
            )


def resolve_path(name: str | os.PathLike[str], config: Config) -> Path:
    """docs/recording.md ("Where a name resolves"):

    - an absolute path is used as given;
    - a name with a cassette suffix and a folder part (``here/one.json``, ``./x.yaml``) is a
      path relative to the working directory; a file name alone (``x.json``) lives in
      ``cassette_dir`` (``<cassette_dir>/x.json``) unless that file exists in the working directory;
    - a bare name is ``<cassette_dir>/<name>`` when that file exists (an extension-less
      cassette), else ``<cassette_dir>/<name>.yaml``.
    """
    text = os.fspath(name)
    path = Path(text)
    if path.is_absolute():
        return path
    if text.lower().endswith(CASSETTE_SUFFIXES):
        here = Path.cwd() / path
        explicit = text.replace("\\", "/").startswith(("./", "../"))
        if explicit or here.exists() or path.parent != Path("."):
            return here
        return config.cassette_path / path
    bare = config.cassette_path / text
    if bare.is_file():
        return bare
    return config.cassette_path / f"{text}.yaml"


def safe_name(name: str) -> str:
    """A file-system-safe cassette name (pytest-recording's replaced characters become ``-``)."""
    return _UNSAFE_NAME.sub("-", name).replace("/", "-")


def default_name(module_file: str | None, module_name: str, test_name: str) -> str:
    """``<test module>/<test name>``; ``module_file`` wins over the dotted module name."""
    module = Path(module_file).stem if module_file else module_name.rsplit(".", 1)[-1]
    return f"{safe_name(module)}/{safe_name(test_name)}"


def function_default_name(function: Callable[..., Any]) -> str:
    """The default cassette name of a function decorated with a bare ``@use_cassette``."""
    try:
        module_file = inspect.getfile(function)
    except TypeError:
        module_file = None
    qualname = getattr(function, "__qualname__", function.__name__).replace(".<locals>", "")
    return default_name(module_file, getattr(function, "__module__", "") or "", qualname)
