"""``use_cassette``: one object for ``@use_cassette``, ``@use_cassette("name", **kw)`` and
``with use_cassette("name") as cas:``, on sync, async and generator functions.

Configuration is read when the cassette is opened (not when the decorator is applied), from
``[tool.cassettes]`` of the ``pyproject.toml`` nearest to the working directory; under pytest the
plugin adds the command-line overrides and collects the usage for the ledger. Precedence is applied by :func:`.settings.merge_layers`. The cassette itself
is vcrpy's, opened through its extension points: our persister, our cassette class, our filter
in the ``before_record_request`` chain, matchers registered with ``register_matcher``.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from cassettes_tool.recording import session as _session
from cassettes_tool.recording.settings import (
    CassetteSettings,
    function_default_name,
    merge_layers,
    resolve_path,
)

if TYPE_CHECKING:
    from cassettes_tool.recording.cassette import IndexedCassette
    from cassettes_tool.recording.persister import CassettesPersister

F = TypeVar("F", bound=Callable[..., Any])
# vcrpy options that add functions to its before_record_request chain.
VCR_REQUEST_FILTERS = ("filter_post_data_parameters", "ignore_hosts", "ignore_localhost")
Name = str | os.PathLike[str]


class CassetteContext:
    """One use of a cassette: a context manager, and a decorator that opens it per call."""

    def __init__(self, owner: UseCassette, name: Name | None, overrides: Mapping[str, Any],
                 *, below: Sequence[Mapping[str, Any] | None] = (), test_id: str | None = None) -> None:
        self._owner = owner
        self.name = name
        self.overrides = dict(overrides)
        self._below = list(below)
        self._test_id = test_id
        self._vcr_context: Any = None
        self._persister: CassettesPersister | None = None
        self.cassette: IndexedCassette | None = None
        self.path: Path | None = None

    # -- context manager -----------------------------------------------------------------

    def __enter__(self) -> IndexedCassette:
        if self.name is None:
            raise TypeError("use_cassette() needs a name when used as a context manager")
        if self._vcr_context is not None:
            raise RuntimeError(f"cassette {self.name} is already open; open a new use_cassette()")
        return self._open(self.name)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        context, self._vcr_context = self._vcr_context, None
        try:
            context.__exit__(exc_type, exc, tb)
        finally:
            self._report_usage()
        persister = self._persister
        if persister is not None and persister.save_error is not None:
            error, persister.save_error = persister.save_error, None
            raise error  # now that vcrpy has removed its patches

    async def __aenter__(self) -> IndexedCassette:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.__exit__(exc_type, exc, tb)

    # -- decorator -----------------------------------------------------------------------

    def __call__(self, function: F) -> F:
        name = self.name if self.name is not None else function_default_name(function)
        inject = bool(self.overrides.get("inject_cassette"))

        def fresh() -> CassetteContext:
            return CassetteContext(self._owner, name, self.overrides, below=self._below,
                                   test_id=self._test_id)

        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with fresh() as cas:
                    return await function(*((cas,) if inject else ()), *args, **kwargs)
            return run_async  # type: ignore[return-value]

        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                with fresh() as cas:
                    return (yield from function(*((cas,) if inject else ()), *args, **kwargs))
            return run_generator  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with fresh() as cas:
                return function(*((cas,) if inject else ()), *args, **kwargs)
        return run  # type: ignore[return-value]

    # -- opening -------------------------------------------------------------------------

    def settings(self) -> CassetteSettings:
        """The settings after precedence (CLI > these overrides > lower layers > file)."""
        from cassettes_tool.core.config import load_config

        current = _session.current()
        cli = current.cli_overrides if current is not None else {}
        # Read at every opening (cheap): the nearest pyproject.toml of the working directory.
        base = load_config()
        return merge_layers(base, [*self._below, self.overrides, cli], self._owner.registered_matchers())

    def _open(self, name: Name) -> IndexedCassette:
        from cassettes_tool.core.filters import FilterRules
        from cassettes_tool.recording.cassette import IndexedCassette
        from cassettes_tool.recording.expiry import ExpiryPolicy
        from cassettes_tool.recording.filtering import copying_request_filter, request_filter
        from cassettes_tool.recording.persister import CassettesPersister
        from cassettes_tool.recording.stubs import cassette_patches

        settings = self.settings()
        config = settings.config
        path = resolve_path(name, config)
        rules = FilterRules.from_config(config)
        kwargs = dict(settings.vcr_kwargs)
        kwargs.pop("inject_cassette", None)  # the decorator injects, vcrpy's wrapper is not used
        user_hooks = kwargs.pop("before_record_request", kwargs.pop("before_record", None))
        hooks: list[Callable[[Any], Any]] = []
        if user_hooks is not None:
            hooks.extend(user_hooks if isinstance(user_hooks, list | tuple) else [user_hooks])
        hooks.append(request_filter(rules))  # last: secrets added by user hooks are hidden too
        kwargs["before_record_request"] = hooks
        kwargs["filter_headers"] = settings.vcr_filter_headers
        kwargs["filter_query_parameters"] = settings.vcr_filter_query_parameters
        kwargs["record_mode"] = config.record_mode
        kwargs["match_on"] = self._owner.matcher_names(settings.match_on)
        kwargs.setdefault("serializer", "json" if path.suffix.lower() == ".json" else "yaml")
        self._persister = CassettesPersister(rules)
        self._persister.defer_errors = True
        kwargs["persister"] = self._persister
        merged = self._owner.vcr().get_merged_config(path=str(path), **kwargs)
        if user_hooks is None and not any(settings.vcr_kwargs.get(k) for k in VCR_REQUEST_FILTERS) \
                and not settings.vcr_filter_headers and not settings.vcr_filter_query_parameters:
            # Nothing of vcrpy's own runs before ours: skip its deep copy (see filtering.py).
            merged["before_record_request"] = copying_request_filter(rules)
        # Cheaper header parsing and force_reset, through vcrpy's own option (see stubs.py).
        merged["custom_patches"] = (*merged.get("custom_patches", ()), *cassette_patches())
        test_id = self._test_id or _session.current_test_id()
        if config.max_age is not None:
            merged["cassettes_expiry"] = ExpiryPolicy(config.max_age, config.on_expired, test_id)
        self._test_id = test_id
        self.path = path
        self._vcr_context = IndexedCassette.use_arg_getter(lambda: dict(merged))
        try:
            self.cassette = self._vcr_context.__enter__()
        except BaseException:
            self._vcr_context = None
            raise
        return self.cassette

    def _report_usage(self) -> None:
        current = _session.current()
        cas, path = self.cassette, self.path
        if current is None or current.usage is None or cas is None or path is None or not path.exists():
            return
        saved = self._persister.saved_count if self._persister is not None else None
        interactions = saved if saved is not None else cas._loaded_count
        current.usage.record(path, self._test_id, interactions, cas.played_positions())


class UseCassette:
    """The ``use_cassette`` object; one default instance is exported by ``cassettes_tool``."""

    def __init__(self) -> None:
        self._vcr: Any = None
        self._matchers: dict[str, Callable[..., Any]] = {}

    @overload
    def __call__(self, name: F, /) -> F: ...

    @overload
    def __call__(self, name: Name | None = None, /, **overrides: Any) -> CassetteContext: ...

    def __call__(self, name: Any = None, /, **overrides: Any) -> Any:
        if callable(name) and not isinstance(name, str | os.PathLike):
            return CassetteContext(self, None, overrides)(name)
        return CassetteContext(self, name, overrides)

    def register_matcher(self, name: str, matcher: Callable[[Any, Any], Any]) -> None:
        """Make ``name`` usable in ``match_on`` (vcrpy semantics: assert, or return a bool)."""
        from cassettes_tool.core.config import KNOWN_MATCHERS

        if name in KNOWN_MATCHERS:
            raise ValueError(f"{name!r} is a built-in matcher; choose another name")
        self._matchers[name] = matcher
        if self._vcr is not None:
            self._vcr.register_matcher(name, matcher)

    def registered_matchers(self) -> tuple[str, ...]:
        return tuple(self._matchers)

    def vcr(self) -> Any:
        """The vcrpy ``VCR`` instance that builds cassette arguments (created on first use)."""
        if self._vcr is None:
            import vcr

            instance = vcr.VCR()
            for name, matcher in self._matchers.items():
                instance.register_matcher(name, matcher)
            self._vcr = instance
        return self._vcr

    def matcher_names(self, match_on: Sequence[Any]) -> list[str]:
        """Names for vcrpy; functions given directly are registered under a private name."""
        names = []
        instance = self.vcr()
        for matcher in match_on:
            if callable(matcher):
                name = f"cassettes-fn-{getattr(matcher, '__name__', 'matcher')}-{id(matcher):x}"
                instance.register_matcher(name, matcher)
                names.append(name)
            else:
                names.append(matcher)  # validated by settings.merge_layers
        return names


use_cassette = UseCassette()
