"""Run a refresh: select, plan, call live with a bounded worker pool, compare, report, update.

Each sent interaction is one task on a thread pool of ``workers`` threads; the live client caps
concurrent calls per host. A live 401/403/429/5xx or a network failure makes the interaction an
``error`` before the drift engine is asked (docs/drift-kinds.md). When the last interaction of a
cassette is done, ``--update drift|all`` writes its live responses through
:func:`cassettes_tool.core.updating.apply_responses` (filtered, locked, atomic, minimal diff, refused
if the file changed since it was read), so a crash keeps every cassette already finished.

Classification uses the endpoint model of the project (every cassette under ``cassette_dir`` and
every selected one; docs/drift.md): a field other recorded samples of the endpoint lack is
optional, a type any of them showed is not a change. Each live response is the recorded request
sent again, so it pairs with its own interaction (``pairing: "request"``); the findings of the
whole run are grouped by change (:mod:`cassettes_tool.drift.grouping`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.config import UPDATE_MODES, Config, RefreshSettings
from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.storage import lock_path, now_iso
from cassettes_tool.core.updating import apply_responses
from cassettes_tool.errors import (
    CassetteChangedError,
    CassetteError,
    LiveFailure,
    RefreshInterrupted,
    UsageError,
)
from cassettes_tool.refresh.live import LiveClient, unusable_status
from cassettes_tool.refresh.plan import (
    CassettePlan,
    Plan,
    PlannedCall,
    build_plan,
    resolve_credentials,
)
from cassettes_tool.refresh.select import Selection, Shard, select_cassettes
from cassettes_tool.review.report import (
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
    cassette_status,
)

__all__ = ["UPDATE_MODES", "RefreshOptions", "RefreshOutcome", "prepare", "run_refresh", "summary_line"]

if TYPE_CHECKING:
    from cassettes_tool.drift.endpoints import EndpointModel, EndpointShape
    from cassettes_tool.openapi.spec import Spec

UPDATE_LOCK_TIMEOUT = 3600.0
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RefreshOptions:
    """What a run refreshes (paths, shard, age) and how (:class:`RefreshSettings`)."""

    paths: tuple[Path, ...]
    settings: RefreshSettings = field(default_factory=RefreshSettings)
    older_than: timedelta | None = None
    shard: Shard | None = None
    spec: Spec | None = None  # --spec: live responses are checked against it too (openapi/check.py)

    @classmethod
    def from_config(
        cls, config: Config, paths: Sequence[Path], *, older_than: timedelta | None = None,
        shard: Shard | None = None, rewrite_hosts: Mapping[str, str] | None = None,
        workers: int | None = None, per_host: int | None = None, timeout: float | None = None,
        retries: int | None = None, samples: int | None = None, methods: Sequence[str] | None = None,
        update: str | None = None, fail_on: str | None = None, backoff_factor: float | None = None,
        retry_after_max: float | None = None,
    ) -> RefreshOptions:
        """``[tool.cassettes.refresh]`` with every argument that is not None on top."""
        settings = config.refresh.overridden(
            rewrite_hosts=rewrite_hosts, workers=workers, per_host=per_host, timeout=timeout,
            retries=retries, samples=samples, methods=methods, update=update, fail_on=fail_on,
            backoff_factor=backoff_factor, retry_after_max=retry_after_max,
        )
        return cls(paths=tuple(paths), settings=settings, older_than=older_than, shard=shard)


@dataclass
class RefreshOutcome:
    """What a run produced: the report, the plan it followed, notes and updated cassettes."""

    report: Report
    plan: Plan
    selection: Selection
    notes: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    seconds: float = 0.0


def prepare(config: Config, options: RefreshOptions) -> tuple[Selection, Plan]:
    """Select and plan (what ``--dry-run`` shows); an empty folder is a :class:`UsageError`."""
    options.settings.validate()
    selection = select_cassettes(options.paths, root=config.root, shard=options.shard,
                                 older_than=options.older_than)
    if selection.found == 0:
        where = ", ".join(str(p) for p in options.paths)
        raise UsageError(f"no cassettes found under {where} (looked for .yaml, .yml and .json files); "
                         "pass cassette paths, or set cassette_dir in [tool.cassettes]")
    plan = build_plan(selection.items, config=config, rules=FilterRules.from_config(config),
                      rewrites=options.settings.rewrite_hosts, methods=options.settings.methods)
    return selection, plan


def skipped_notes(selection: Selection) -> list[str]:
    """One note per FIFO, socket, device or unreadable folder the selection skipped."""
    return [f"{path}: {reason}" for path, reason in selection.skipped]


def skipped_note(selection: Selection) -> str:
    return f"skipped {selection.skipped_non_cassettes} JSON file(s) that are not cassettes"


def empty_selection_note(selection: Selection, options: RefreshOptions) -> str | None:
    """Why nothing was selected although cassettes exist (a shard or --older-than), if so."""
    if selection.items:
        return None
    if options.shard is not None and selection.in_shard == 0:
        return (f"shard {options.shard} holds none of the {selection.found} cassette(s); "
                "nothing to refresh")
    if options.older_than is not None:
        return (f"none of the {selection.in_shard} cassette(s) is older than --older-than; "
                "nothing to refresh")
    return "nothing to refresh"


@contextlib.contextmanager
def update_lock(root: Path, timeout: float = UPDATE_LOCK_TIMEOUT) -> Iterator[None]:
    """Serialise ``refresh --update`` runs of one project: the second waits for the first.

    Without it, two runs would each read cassettes the other is rewriting, and every cassette
    written by one would be refused by the other as "changed on disk".
    """
    lock = FileLock(str(lock_path(root.resolve() / ".cassettes" / "refresh-update")), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise CassetteError(
            root, f"another `cassettes refresh --update` has held the update lock for more than {timeout:.0f}s",
            f"wait for it to finish, or remove {lock.lock_file} if no refresh is running",
        ) from None


def run_refresh(config: Config, options: RefreshOptions, *, progress: Progress | None = None,
                environ: Mapping[str, str] | None = None) -> RefreshOutcome:
    """The nightly job; raises only for problems that stop the whole run (config, usage).

    With ``--update`` the whole run (reading included) holds the project's update lock, so a
    concurrent refresh reads the cassettes only once this one has written them.
    """
    if options.settings.update == "never":
        return _run_refresh(config, options, progress, environ)
    with update_lock(config.root):
        return _run_refresh(config, options, progress, environ)


def _run_refresh(config: Config, options: RefreshOptions, progress: Progress | None,
                 environ: Mapping[str, str] | None) -> RefreshOutcome:
    started, clock = now_iso(), time.monotonic()
    selection, plan = prepare(config, options)
    environ = os.environ if environ is None else environ
    credentials = resolve_credentials(plan, environ)
    secrets = [environ[a.env] for a in plan.auth_entries().values() if environ.get(a.env)]
    run = _Run(config, options, plan, progress, lambda: _suite_model(config, plan))
    try:
        with LiveClient(options.settings, credentials, plan.origins, secrets) as client:
            run.execute(client)
    except KeyboardInterrupt:
        # Ctrl-C: no cassette is written from now on (a write under way finishes first); what
        # was checked and written so far is the partial outcome.
        run.stop()
        report = Report(started_at=started, finished_at=now_iso(), cassettes=run.results(partial=True),
                        status="incomplete")
        from cassettes_tool.drift.grouping import group_findings

        group_findings(report, model=run.model_if_built())
        raise RefreshInterrupted(RefreshOutcome(
            report=report, plan=plan, selection=selection, notes=list(plan.notes),
            updated=sorted(run.updated), seconds=time.monotonic() - clock)) from None
    note = empty_selection_note(selection, options)
    notes = [note] if note else list(plan.notes)
    notes += skipped_notes(selection)
    if selection.skipped_non_cassettes:
        notes.append(skipped_note(selection))
    report = Report(started_at=started, finished_at=now_iso(), cassettes=run.results())
    from cassettes_tool.drift.grouping import group_findings

    group_findings(report, model=run.model())
    return RefreshOutcome(report=report, plan=plan, selection=selection, notes=notes,
                          updated=sorted(run.updated), seconds=time.monotonic() - clock)


def _suite_model(config: Config, plan: Plan) -> EndpointModel:
    """The endpoint model: the project's cassettes and the selected ones (already parsed)."""
    from cassettes_tool.drift.endpoint_cache import suite_model
    from cassettes_tool.drift.endpoints import cassette_samples

    selected = [cp.selected for cp in plan.cassettes]
    extra = [sample for s in selected if s.cassette is not None for sample in cassette_samples(s.cassette)]
    return suite_model(config, exclude=[s.path for s in selected], extra=extra)


class _Run:
    """The mutable state of one run (results, per-cassette countdown, unreachable hosts).

    The endpoint model is built by the calling thread once every call is queued, while the first
    calls are in flight: only a comparison that finds a difference in the body shapes needs it
    (and waits for it), and the report's grouping at the end.
    """

    def __init__(self, config: Config, options: RefreshOptions, plan: Plan,
                 progress: Progress | None, build_model: Callable[[], EndpointModel]) -> None:
        self._build_model = build_model
        self._model: Future[EndpointModel] = Future()
        self.config = config
        self.options = options
        self.settings = options.settings
        self.plan = plan
        self.rules = FilterRules.from_config(config)
        self.progress = progress
        self.total = sum(1 for _, call in plan.calls() if call.sent)
        self.done = 0
        self.lock = threading.Lock()
        self.interactions: dict[tuple[int, int], InteractionResult] = {}
        self.live: dict[tuple[int, int], Response] = {}
        self.remaining = [sum(1 for c in cp.calls if c.sent) for cp in plan.cassettes]
        self.update_errors: dict[int, str] = {}
        self.updated: list[str] = []
        self.unreachable: dict[str, str] = {}
        self.keys: dict[Path, str] = {}  # cassette path -> its key for baselines and fingerprints
        self.stopping = False  # interrupted: write no more cassettes
        self.writing = 0  # cassette writes under way
        self.written = threading.Condition(self.lock)

    def stop(self) -> None:
        """Refuse every later cassette write and wait for the ones under way to finish."""
        with self.lock:
            self.stopping = True
            while self.writing:
                self.written.wait()

    def model(self) -> EndpointModel:
        """The endpoint model (waits until it is built; raises what building it raised)."""
        return self._model.result()

    def model_if_built(self) -> EndpointModel | None:
        done = self._model.done() and not self._model.cancelled() and self._model.exception() is None
        return self._model.result() if done else None

    def _build(self) -> None:
        if not self._model.set_running_or_notify_cancel():
            return
        try:
            self._model.set_result(self._build_model())
        except BaseException as exc:  # the waiting comparisons fail, and so does the run (below)
            self._model.set_exception(exc)
            raise

    def execute(self, client: LiveClient) -> None:
        for position, cassette in enumerate(self.plan.cassettes):
            for call in cassette.calls:
                if not call.sent:
                    self.interactions[(position, call.index)] = self._skipped(cassette, call)
            if self.remaining[position] == 0:
                self._finish(position)
        if self.total == 0:
            self._build()
            return
        executor = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="refresh")
        futures: list[Future[None]] = []
        try:
            for position, cassette in enumerate(self.plan.cassettes):
                for call in cassette.calls:
                    if call.sent:
                        futures.append(executor.submit(self._task, client, position, cassette, call))
            self._build()
            for future in futures:
                future.result()
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)

    def _recorded(self, cassette: CassettePlan, call: PlannedCall) -> Response:
        assert cassette.selected.cassette is not None
        return cassette.selected.cassette.interactions[call.index].response

    def _base(self, cassette: CassettePlan, call: PlannedCall, status: str,
              reason: str | None = None) -> InteractionResult:
        recorded = self._recorded(cassette, call)
        return InteractionResult(
            index=call.index, method=call.method, uri=call.uri, status=status, reason=reason,
            recorded={"status": recorded.status, "content_type": recorded.content_type},
        )

    def _skipped(self, cassette: CassettePlan, call: PlannedCall) -> InteractionResult:
        return self._base(cassette, call, "skipped", call.reason)

    def _task(self, client: LiveClient, position: int, cassette: CassettePlan, call: PlannedCall) -> None:
        clock = time.monotonic()
        try:
            result, live = self._check(client, cassette, call)
        except Exception as exc:  # a bug must cost one interaction, not the whole night
            reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
            result, live = self._base(cassette, call, "error", " ".join(reason.split())), None
        if not (result.reason or "").startswith("not attempted"):
            result.seconds = time.monotonic() - clock
        with self.lock:
            self.interactions[(position, call.index)] = result
            if live is not None:
                self.live[(position, call.index)] = live
            self.remaining[position] -= 1
            finished = self.remaining[position] == 0
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)
        if finished:
            self._finish(position)

    def _check(self, client: LiveClient, cassette: CassettePlan,
               call: PlannedCall) -> tuple[InteractionResult, Response | None]:
        """One interaction: live samples, status triage, then the drift engine."""
        from cassettes_tool.drift import cassette_key, compare_interaction

        assert call.origin is not None and call.host is not None
        dead = self.unreachable.get(call.origin)
        if dead is not None:
            return self._base(cassette, call, "error", f"not attempted: {dead}"), None
        samples: list[Response] = []
        for _ in range(self.settings.samples):
            try:
                samples.append(filter_response(client.send(call), self.rules))
            except LiveFailure as exc:
                if exc.unreachable:
                    self.unreachable.setdefault(call.origin, str(exc))
                return self._base(cassette, call, "error", str(exc)), None
        recorded = self._recorded(cassette, call)
        for sample in samples:
            reason = unusable_status(recorded.status, sample, call.host, self.settings.retries, call.method)
            if reason is not None:
                return self._base(cassette, call, "error", reason), None
        first = samples[0]
        try:
            key = self.keys.get(cassette.selected.path)
            if key is None:  # resolved once per cassette, not once per interaction
                key = self.keys.setdefault(cassette.selected.path,
                                           cassette_key(cassette.selected.path, self.config.root))
            def known() -> EndpointShape | None:
                return self.model().shape(call.method, call.uri, recorded.status)

            comparison = compare_interaction(recorded, samples, method=call.method, uri=call.uri,
                                             config=self.config.drift, known=known, cassette=key)
        except Exception as exc:  # one odd body must not sink the nightly run
            reason = f"internal error while comparing ({type(exc).__name__}: {exc}); please report it"
            return self._base(cassette, call, "error", " ".join(reason.split())), None
        result = self._base(cassette, call, comparison.status, comparison.not_compared)
        result.findings = list(comparison.findings)
        if self.options.spec is not None:
            result.findings += self._against_spec(cassette, call, first)
            if result.findings and result.status in ("ok", "not_compared"):
                result.status = "drift"
        result.pairing = "request"
        result.live = first
        return result, first

    def _against_spec(self, cassette: CassettePlan, call: PlannedCall, live: Response) -> list[Finding]:
        """The live response's misfits with ``--spec`` (the recorded request's URI names them)."""
        from cassettes_tool.drift import cassette_key
        from cassettes_tool.openapi.check import check_response, findings_for

        assert self.options.spec is not None
        problems, _ = check_response(self.options.spec, call.method, call.uri, live)
        return findings_for(problems, method=call.method, uri=call.uri,
                            cassette=cassette_key(cassette.selected.path, self.config.root))

    def _finish(self, position: int) -> None:
        """All interactions of one cassette are done: update it if asked."""
        mode = self.settings.update
        cassette = self.plan.cassettes[position]
        if mode == "never" or cassette.selected.cassette is None:
            return
        wanted = ("drift",) if mode == "drift" else ("ok", "drift", "not_compared")
        with self.lock:
            updates = {
                index: self.live[(pos, index)]
                for (pos, index), result in self.interactions.items()
                if pos == position and result.status in wanted and (pos, index) in self.live
            }
        if not updates:
            return
        path = cassette.selected.path
        with self.lock:
            if self.stopping:
                return
            self.writing += 1
        try:
            self._write(position, cassette, path, updates)
        finally:
            with self.lock:
                self.writing -= 1
                self.written.notify_all()

    def _write(self, position: int, cassette: CassettePlan, path: Path, updates: dict[int, Response]) -> None:
        try:
            apply_responses(path, updates, self.rules, expected_sha256=cassette.selected.sha256)
        except CassetteChangedError:
            problem = ("not updated: the file changed on disk during the refresh (another refresh "
                       "or an edit); run refresh again")
        except CassetteError as exc:
            problem = f"not updated: {exc.problem}" + (f" ({exc.fix})" if exc.fix else "")
        except (OSError, ValueError) as exc:
            problem = f"not updated: {exc}"
        else:
            with self.lock:
                self.updated.append(cassette.display)
            return
        with self.lock:
            self.update_errors[position] = problem

    def results(self, *, partial: bool = False) -> list[CassetteResult]:
        """The cassettes' results; ``partial`` (an interrupted run) marks the interactions that
        were never checked as skipped."""
        results: list[CassetteResult] = []
        with self.lock:
            done = dict(self.interactions)
        for position, cassette in enumerate(self.plan.cassettes):
            selected = cassette.selected
            if partial:
                items = [done.get((position, c.index)) or self._base(
                    cassette, c, "skipped", "not checked: the run was interrupted") for c in cassette.calls]
            else:
                items = [done[(position, c.index)] for c in cassette.calls]
            result = CassetteResult(
                path=cassette.display, status="ok",
                error=selected.error or self.update_errors.get(position),
                interactions=items,
                sha256=selected.sha256 or None,
            )
            result.status = cassette_status(result)
            results.append(result)
        return results


def summary_line(outcome: RefreshOutcome) -> str:
    """The one line printed on stderr at the end of a run."""
    s = outcome.report.summary()
    # Open findings per severity, acknowledged ones apart: the same counts as the report's pages.
    findings = {severity: 0 for severity in s["findings"]}
    for finding in outcome.report.findings():
        if not finding.acknowledged:
            findings[finding.severity] += 1
    line = (f"refresh: {s['cassettes']} cassette(s), {s['interactions']} interaction(s): "
            f"{s['ok']} ok, {s['drift']} drift, {s['error']} error, {s['skipped']} skipped; "
            f"findings {findings['breaking']} breaking, {findings['warning']} warning, "
            f"{findings['info']} info")
    if s.get("acknowledged"):
        line += f", {s['acknowledged']} acknowledged"
    if s.get("cassette_errors"):
        line += f"; {s['cassette_errors']} cassette(s) with errors"
    if outcome.updated:
        line += f"; updated {len(outcome.updated)} cassette(s)"
    return line + f" in {outcome.seconds:.1f}s"
