"""The ``cassettes`` pytest plugin (entry point ``pytest11``): marker, fixtures, options, ledger.

- marker ``@pytest.mark.cassette`` / ``@pytest.mark.cassette("name", **overrides)``: the test
  runs inside that cassette (default name ``<test module>/<test name>``);
- fixture ``cassette``: the active cassette (vcrpy's object, see ``recording.cassette``);
- fixture ``cassettes_config``: a mapping of settings, override it at any scope;
- options in the ``cassettes`` group: ``--cassettes-record-mode``, ``--cassettes-on-expired``,
  ``--cassettes-max-age``, ``--cassettes-usage PATH``, ``--cassettes-no-usage``;
- the usage ledger ``.cassettes/usage.json`` (see :mod:`cassettes_tool.recording.ledger`), merged across
  pytest-xdist workers.

Names never collide with pytest-recording (``vcr`` marker, ``vcr_config``, ``--record-mode``).
Importing this module is cheap: vcrpy is imported only when a test opens a cassette.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.config import ON_EXPIRED, RECORD_MODES, Config, load_config
from cassettes_tool.errors import CassettesError
from cassettes_tool.errors import RecordedTestFailed as _TestFailed
from cassettes_tool.recording import session as _session

WORKER_OUTPUT_KEY = "cassettes_usage"
MARKER = "cassette"


@dataclass
class _State:
    """What the plugin tracks for one pytest run."""

    config: Config
    session: _session.Session
    previous: _session.Session | None
    ledger_path: Path | None
    explicit_ledger: bool
    started_at: str
    reasons: list[str] = field(default_factory=list)
    deselected: int = 0
    deselected_ids: set[str] = field(default_factory=set)
    collected_ids: set[str] = field(default_factory=set)
    collected_files: set[Path] = field(default_factory=set)
    watch: Any = None  # recording.watch.CassetteWatch while the ledger is on
    config_root: Path = Path()  # pytest's rootpath: node ids are relative to it
    workers_started: set[str] = field(default_factory=set)
    workers_reported: set[str] = field(default_factory=set)
    written: Path | None = None

    def add_reason(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cassettes", "cassettes: record and replay HTTP interactions")
    group.addoption("--cassettes-record-mode", choices=RECORD_MODES, default=None,
                    help="record mode for every cassette (wins over markers and config)")
    group.addoption("--cassettes-on-expired", choices=ON_EXPIRED, default=None,
                    help="what to do with cassettes older than max_age")
    group.addoption("--cassettes-max-age", default=None, metavar="AGE",
                    help="maximum cassette age, e.g. 30d (units s, m, h, d, w)")
    group.addoption("--cassettes-usage", default=None, metavar="PATH",
                    help="where to write the usage ledger (default .cassettes/usage.json)")
    group.addoption("--cassettes-no-usage", action="store_true", default=False,
                    help="do not write the usage ledger")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name=None, **overrides): run the test inside a cassette "
        "(default name <test module>/<test name>); overrides as in use_cassette",
    )
    try:
        project = load_config(start=config.rootpath)
        cli = _cli_overrides(config)
        if cli:
            project.with_overrides(cli, origin="command line")  # validate once, early
    except CassettesError as error:
        raise pytest.UsageError(str(error)) from None
    usage_option = config.getoption("--cassettes-usage")
    no_usage = bool(config.getoption("--cassettes-no-usage"))
    ledger_path = None if no_usage else Path(usage_option).resolve() if usage_option else project.usage_path
    recorder = None if no_usage else _session.UsageRecorder(root=project.root)
    run = _session.Session(config=project, cli_overrides=cli, usage=recorder)
    state = _State(config=project, session=run, previous=_session.current(), ledger_path=ledger_path,
                   explicit_ledger=usage_option is not None, started_at=_now_iso())
    state.config_root = config.rootpath
    config.stash[_STATE] = state
    _session.install(run)
    if recorder is not None:
        from cassettes_tool.recording.watch import CassetteWatch

        state.watch = CassetteWatch(recorder, lambda: run.current_test)
        state.watch.install()
    config.pluginmanager.register(_LedgerHooks(state), "cassettes-ledger")
    if config.pluginmanager.hasplugin("xdist") and not _is_worker(config):
        config.pluginmanager.register(_XdistController(state), "cassettes-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        _session.install(state.previous)
        if state.watch is not None:
            state.watch.uninstall()


def _now_iso() -> str:
    # storage.now_iso without importing the writer (and PyYAML) at configure time.
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _cli_overrides(config: pytest.Config) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for option, key in (("--cassettes-record-mode", "record_mode"),
                        ("--cassettes-on-expired", "on_expired"),
                        ("--cassettes-max-age", "max_age")):
        value = config.getoption(option)
        if value is not None:
            overrides[key] = value
    return overrides


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# -- fixtures and marker -----------------------------------------------------------------


@pytest.fixture(scope="session")
def cassettes_config() -> dict[str, Any]:
    """Settings for every cassette in scope; override this fixture in a conftest or module."""
    return {}


@pytest.fixture
def cassette(cassettes_cassette: Any) -> Any:
    """The active cassette of the test (opened with the marker's name and overrides).

    Another plugin may define a fixture of the same name (cassetter does, autouse): marked tests
    still get ours through ``cassettes_cassette``, and a test that asks for ``cassette`` while
    the other plugin's wins stops the run at collection (:func:`_fixture_clash`)."""
    return cassettes_cassette


@pytest.fixture
def cassettes_cassette(request: pytest.FixtureRequest, cassettes_config: dict[str, Any]) -> Iterator[Any]:
    """The active cassette of the test, under a name no other plugin uses."""
    from cassettes_tool.recording.api import CassetteContext, use_cassette

    name, overrides = _marker_options(request.node)
    context = CassetteContext(use_cassette, name or default_cassette_name(request.node), overrides,
                              below=[cassettes_config], test_id=request.node.nodeid)
    try:
        opened = context.__enter__()
    except CassettesError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield opened
    finally:
        # vcrpy's record_on_exception needs to know whether the test failed.
        failed = request.node.stash.get(_CALL_FAILED, False)
        exc_info = (_TestFailed, _TestFailed(request.node.nodeid), None) if failed else (None, None, None)
        try:
            context.__exit__(*exc_info)
        except CassettesError as error:  # e.g. recording into a read-only betamax cassette
            pytest.fail(str(error), pytrace=False)


_CALL_FAILED = pytest.StashKey[bool]()


# The old-style wrapper: ``wrapper=True`` needs pluggy 1.2, and pytest 7.0 ships with pluggy 1.0.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = bool(report.failed)
    if report.failed and call.excinfo is not None:
        message = _miss_message(call.excinfo.value)
        if message is not None:
            report.longrepr = f"{type(call.excinfo.value).__name__}: {message}"


def _miss_message(error: BaseException) -> str | None:
    """Our replay-miss message when ``error`` (or its cause) is vcrpy's for one of our cassettes."""
    import sys

    errors = sys.modules.get("vcr.errors")
    if errors is None:
        return None  # vcrpy was never imported: it cannot be its error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, errors.CannotOverwriteExistingCassetteException)
                and getattr(current, "failed_request", None) is not None
                and getattr(current.cassette, "reports_own_usage", False)):
            from cassettes_tool.recording.persister import miss_message

            return miss_message(current)
        current = current.__cause__ or current.__context__
    return None


@pytest.fixture(autouse=True)
def _cassettes_marker(request: pytest.FixtureRequest) -> None:
    """Open the cassette of tests marked ``@pytest.mark.cassette``."""
    if request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("cassettes_cassette")


def _fixture_clash(items: list[pytest.Item]) -> str | None:
    """One line when a test asks for ``cassette`` but another plugin's fixture of that name wins."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        # Only a test marked for us that names the fixture itself: cassetter's is autouse.
        if info is None or "cassette" not in info.argnames or item.get_closest_marker(MARKER) is None:
            continue
        definitions = info.name2fixturedefs.get("cassette", ())
        if not definitions:
            continue
        winner = getattr(definitions[-1], "func", None)
        module = getattr(winner, "__module__", "") or ""
        if module == __name__ or not module:
            continue
        if definitions[-1].baseid:  # a project's own fixture (conftest, module): its choice
            continue
        plugin = module.split(".", 1)[0]
        return (f"cassettes: {item.nodeid} asks for the `cassette` fixture, but plugin {plugin} "
                f"defines one too and wins; disable it (`-p no:{plugin}` in addopts) or ask for "
                "`cassettes_cassette` instead")
    return None


def _marker_options(node: pytest.Item) -> tuple[str | None, dict[str, Any]]:
    """Name and overrides from the ``cassette`` markers, the closest one winning."""
    name: str | None = None
    overrides: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            name = os.fspath(marker.args[0])
        overrides.update(marker.kwargs)
    return name, overrides


def default_cassette_name(item: pytest.Item) -> str:
    """``<test module>/<test name>``; methods are ``<Class>.<test name>``."""
    from cassettes_tool.recording.settings import default_name

    cls = getattr(item, "cls", None)
    test_name = f"{cls.__name__}.{item.name}" if cls is not None else item.name
    return default_name(str(item.path), "", test_name)


# -- usage ledger --------------------------------------------------------------------------


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    current = _session.current()
    if current is not None:
        current.current_test = nodeid


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    current = _session.current()
    if current is not None:
        current.current_test = None


def _registered_matchers() -> tuple[str, ...]:
    import sys

    api = sys.modules.get("cassettes_tool.recording.api")
    return api.use_cassette.registered_matchers() if api is not None else ()


def _incomplete_reasons(session: pytest.Session, state: _State, exitstatus: int) -> list[str]:
    """Every rule that makes this run partial (docs/prune.md, "What makes a run complete")."""
    config = session.config
    reasons = list(state.reasons)
    for option, label in (("keyword", "-k"), ("markexpr", "-m"), ("deselect", "--deselect"),
                          ("ignore", "--ignore"), ("ignore_glob", "--ignore-glob"), ("lf", "--lf")):
        if config.getoption(option, None):
            reasons.append(f"{label} was used")
    if state.deselected:
        reasons.append(f"{state.deselected} test(s) deselected")
    subset = _node_id_arguments(config)
    if subset:
        reasons.append(f"only part of the suite was run: {' '.join(subset)}")
    if session.shouldstop or session.shouldfail:
        reasons.append("the run stopped early")
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        reasons.append("the run was interrupted")
    unique: list[str] = []
    for reason in reasons:
        if reason not in unique:
            unique.append(reason)
    return unique


def _node_id_arguments(config: pytest.Config) -> list[str]:
    """Command-line node ids (``file.py::test``): they select single tests of a module.

    Paths on the command line are not a rule by themselves: ``pytest tests`` is complete when
    ``tests/`` holds every test file (see :func:`_test_files_not_collected`)."""
    # pytest 7.2+ says where config.args came from; before, testpaths or the invocation folder
    # fill them when none are given, and those hold no node id either.
    source = getattr(config, "args_source", None)
    if source is not None and source != pytest.Config.ArgsSource.ARGS:
        return []
    return [arg for arg in config.args if "::" in arg]


def _test_folders(config: pytest.Config) -> list[Path]:
    """The project's test folders: the configured ``testpaths``, else the whole root folder."""
    root = config.rootpath
    configured = [(root / p) for p in config.getini("testpaths")]
    found = [p for p in configured if p.exists()]
    return found or [root]


def _test_files_not_collected(config: pytest.Config, seen: set[Path]) -> list[Path]:
    """Test files (``python_files`` patterns) in the test folders that pytest never looked at.

    Files the project itself tells pytest to ignore (``collect_ignore`` in a conftest) do not count.
    """
    import fnmatch

    patterns = [str(p) for p in config.getini("python_files")]
    skip_dirs = [str(p) for p in config.getini("norecursedirs")]
    missing: list[Path] = []
    for folder in _test_folders(config):
        candidates = [folder] if folder.is_file() else []
        if folder.is_dir():
            for current, dirs, files in os.walk(folder):
                here = Path(current)
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                                 and not any(fnmatch.fnmatch(d, p) for p in skip_dirs)
                                 and not (here / d / "pyvenv.cfg").exists())
                candidates.extend(here / name for name in sorted(files) if name.endswith(".py"))
        for file in candidates:
            if not any(fnmatch.fnmatch(file.name, p) for p in patterns):
                continue
            if file.resolve() in seen or _project_ignores(config, file):
                continue
            missing.append(file)
    return missing


def _project_ignores(config: pytest.Config, path: Path) -> bool:
    if config.getoption("ignore", None) or config.getoption("ignore_glob", None):
        return False  # a command-line ignore is a rule of its own ("--ignore was used")
    try:
        return bool(config.hook.pytest_ignore_collect(collection_path=path, config=config))
    except Exception:  # a conftest we cannot ask: count the file as missed
        return False


def _collection_reasons(session: pytest.Session, state: _State) -> list[str]:
    """Partial collections: tests dropped by a hook without ``pytest_deselected``, test files
    never collected. An xdist controller collects nothing itself; its workers check instead."""
    config = session.config
    reasons: list[str] = []
    kept = {item.nodeid for item in session.items}
    removed = state.collected_ids - kept - state.deselected_ids
    if removed:
        example = sorted(removed)[0]
        reasons.append(f"{len(removed)} collected test(s) did not run (e.g. {example}): removed by a "
                       "pytest_collection_modifyitems hook without pytest_deselected")
    if config.pluginmanager.hasplugin("dsession") or config.getoption("collectonly", False):
        return reasons
    missing = _test_files_not_collected(config, state.collected_files)
    if missing:
        shown = ", ".join(_relative(p, config.rootpath) for p in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        reasons.append(f"test file(s) not collected: {shown}{more}")
    return reasons


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _LedgerHooks:
    """Per-run hooks that feed the usage ledger (registered at ``pytest_configure``)."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A file counts as collected once pytest collected it (tests or none), not when it was
        # merely listed in its folder: ``pytest tests/test_a.py`` lists test_b.py too.
        file = report.nodeid.split("::", 1)[0]
        if file.endswith(".py"):
            self.state.collected_files.add((self.state.config_root / file).resolve())
        if report.failed:
            self.state.add_reason(f"collection failed: {report.nodeid or '(root)'}")

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        self.state.collected_ids.add(item.nodeid)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.state.deselected += len(items)
        self.state.deselected_ids.update(item.nodeid for item in items)

    def pytest_runtest_logfinish(self) -> None:
        if self.state.watch is not None:
            self.state.watch.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Note the cassettes that markers declare, even for tests that end up not running."""
        state = self.state
        clash = _fixture_clash(session.items)
        if clash:
            raise pytest.UsageError(clash)
        if state.session.usage is None:
            return
        for reason in _collection_reasons(session, state):
            state.add_reason(reason)
        from cassettes_tool.recording.settings import merge_layers, resolve_path

        for item in session.items:
            if item.get_closest_marker(MARKER) is None:
                continue
            name, overrides = _marker_options(item)
            try:
                settings = merge_layers(state.config, [overrides, state.session.cli_overrides],
                                        _registered_matchers())
            except CassettesError:
                continue  # the test reports it when it runs
            path = resolve_path(name or default_cassette_name(item), settings.config)
            if path.exists():
                state.session.usage.record(path, item.nodeid, None)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        config = session.config
        if state.session.usage is None or config.getoption("collectonly", False):
            return
        if state.watch is not None:
            state.watch.flush()
        reasons = _incomplete_reasons(session, state, exitstatus)
        state.session.usage.count_declared_only()
        if _is_worker(config):
            workeroutput: dict[str, Any] = config.workeroutput  # type: ignore[attr-defined]
            workeroutput[WORKER_OUTPUT_KEY] = {"cassettes": state.session.usage.to_json(), "reasons": reasons}
            return
        for worker in sorted(state.workers_started - state.workers_reported):
            reasons.append(f"worker {worker} did not report its cassette usage")
        _write_ledger(state, reasons)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.state.written is None:
            return
        reasons = self.state.reasons
        status = "complete" if not reasons else "incomplete: " + "; ".join(reasons)
        terminalreporter.write_line(f"cassettes: usage ledger written to {self.state.written} ({status})")


def _write_ledger(state: _State, reasons: list[str]) -> None:
    """Write the ledger unless the project has no cassettes at all (and none was asked for)."""
    from cassettes_tool.core.storage import now_iso
    from cassettes_tool.recording.ledger import CassetteUsage, Ledger

    recorder = state.session.usage
    if recorder is None or state.ledger_path is None:
        return
    used = recorder.to_json()
    if not used and not state.explicit_ledger and not state.config.cassette_path.is_dir():
        return  # a project without cassettes: leave no file behind
    ledger = Ledger(root=state.config.root, complete=not reasons, incomplete_reasons=reasons,
                    started_at=state.started_at, finished_at=now_iso())
    ledger.cassettes = {
        key: CassetteUsage(tests=list(entry["tests"]), interactions=entry["interactions"],
                           played=list(entry["played"]))
        for key, entry in used.items()
    }
    state.reasons = reasons
    try:
        ledger.save(state.ledger_path)
    except (OSError, CassettesError) as error:
        warnings.warn(f"cassettes: could not write the usage ledger: {error}", stacklevel=1)
        return
    state.written = state.ledger_path


class _XdistController:
    """xdist hooks on the controller: merge each worker's usage, notice workers that vanished."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_configure_node(self, node: Any) -> None:
        self.state.workers_started.add(str(node.gateway.id))

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        worker = str(node.gateway.id)
        output = getattr(node, "workeroutput", {}) or {}
        data = output.get(WORKER_OUTPUT_KEY)
        if error is not None:
            self.state.add_reason(f"worker {worker} crashed")
        if not isinstance(data, dict):
            return
        self.state.workers_reported.add(worker)
        if self.state.session.usage is not None:
            self.state.session.usage.merge(data.get("cassettes") or {})
        for reason in data.get("reasons") or []:
            self.state.add_reason(str(reason))
