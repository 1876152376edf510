"""The one way a cassette file changes on disk: a locked read-check-change-write transaction.

Every writer of cassettes goes through :func:`cassette_transaction`: recording (the vcrpy
persister), ``refresh --update`` and ``accept`` (:mod:`.updating`), ``prune`` (dropping
interactions or deleting the file) and ``audit --fix``. One transaction:

1. takes the cassette's write lock (other processes and threads wait);
2. reads the file's bytes once (``create=True``: a missing or blank file is a new cassette);
3. compares their checksum with ``expected_sha256`` when given, and raises
   :class:`CassetteChangedError` (nothing is written) when the file changed;
4. parses the bytes on first use of :attr:`CassetteTransaction.cassette`, refusing read-only
   variants (betamax, gzipped, pre-1.0...) with one message;
5. lets the caller change that model and call :meth:`~CassetteTransaction.save` (or hand over
   bytes it serialised itself with :meth:`~CassetteTransaction.save_bytes`, or ask for
   :meth:`~CassetteTransaction.delete`);
6. on a clean exit, serialises in the file's own format (YAML or JSON, metadata stamped when
   asked) and writes atomically (temporary file, fsync, rename, fsync of the folder).

If the caller's block raises, or asks for nothing, or the new bytes equal the old ones, the file
is not touched. A crash at any moment leaves the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from cassettes_tool.core.cassette import Cassette
from cassettes_tool.core.reader import parse_cassette, read_cassette_bytes
from cassettes_tool.core.storage import (
    atomic_write_bytes,
    checksum,
    fsync_folder,
    locked,
    serialize_document,
    stamp,
    write_failure,
)
from cassettes_tool.errors import CassetteChangedError, CassetteError, CassetteNotFoundError

# What a caller whose expected checksum no longer matches tells the user (accept, refresh --update).
CHANGED_SINCE_REPORT = (
    "changed since the report was made",
    "run `cassettes refresh` again for a fresh report, or pass --force to accept anyway",
)


def refuse_read_only(path: Path, cassette: Cassette) -> None:
    """Raise the one "read-only variant" error if ``cassette`` is not in vcrpy's own format."""
    if not cassette.writable:
        raise CassetteError(
            path, f"is a {cassette.variant} cassette and is read-only here",
            "re-record it with vcrpy to let cassettes rewrite it",
        )


class CassetteTransaction:
    """One cassette file under its lock, read once; see :func:`cassette_transaction`."""

    def __init__(self, path: Path, data: bytes | None) -> None:
        self.path = path
        #: The bytes as read under the lock (``None``: there was no file).
        self.data = data
        self._cassette: Cassette | None = None
        self._output: bytes | None = None
        self._delete = False

    @property
    def sha256(self) -> str | None:
        """The checksum of the bytes read (``None``: there was no file)."""
        return None if self.data is None else checksum(self.data)

    @property
    def is_new(self) -> bool:
        """No file, or a blank one: recording starts a new cassette (as vcrpy does)."""
        return self.data is None or not self.data.strip()

    @property
    def cassette(self) -> Cassette:
        """The file parsed into the model (once); a read-only variant raises here."""
        if self._cassette is None:
            if self.data is None:
                raise CassetteNotFoundError(self.path, "no such file", "check the path")
            cassette = parse_cassette(self.path, self.data)
            refuse_read_only(self.path, cassette)
            self._cassette = cassette
        return self._cassette

    def save(self, cassette: Cassette | None = None, *, record: bool) -> None:
        """Write ``cassette`` (default: :attr:`cassette` as changed) when the block ends.

        ``record`` stamps ``metadata.recorded_at``/``recorded_with`` (a recording or an update);
        a scrub or a prune is not a recording and keeps the cassette's age.
        """
        target = cassette if cassette is not None else self.cassette
        refuse_read_only(self.path, target)
        if record:
            stamp(target)
        try:
            self._output = serialize_document(target.to_document(), target.format)
        except ValueError as exc:
            raise CassetteError(self.path, f"cannot be written back: {exc}") from None
        self._delete = False

    def save_bytes(self, data: bytes) -> None:
        """Write ``data`` (already serialised, e.g. by vcrpy's serializer) when the block ends."""
        self._output = data
        self._delete = False

    def delete(self) -> None:
        """Remove the file when the block ends (prune of an unused cassette)."""
        self._output = None
        self._delete = True

    def _commit(self) -> None:
        if self._delete:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            fsync_folder(self.path.parent)
        elif self._output is not None and self._output != self.data:
            try:
                atomic_write_bytes(self.path, self._output)
            except OSError as exc:  # a full disk: one line, the cassette as it was
                raise write_failure(self.path, exc) from None


@contextlib.contextmanager
def cassette_transaction(
    path: Path,
    *,
    expected_sha256: str | None = None,
    changed: tuple[str, str] = CHANGED_SINCE_REPORT,
    create: bool = False,
) -> Iterator[CassetteTransaction]:
    """Lock ``path``, read it once, check it, let the block change it, write it atomically.

    ``expected_sha256``: the checksum the caller saw (a report's); a different file raises
    :class:`CassetteChangedError` with ``changed`` (problem, fix) before the block runs.
    ``create``: a missing file is not an error (``data`` is ``None``); the block may
    :meth:`~CassetteTransaction.save` a new cassette.
    """
    with locked(path):
        try:
            data: bytes | None = read_cassette_bytes(path)
        except CassetteNotFoundError:
            if not create:
                raise
            data = None
        if expected_sha256 is not None and (data is None or checksum(data) != expected_sha256):
            raise CassetteChangedError(path, *changed)
        transaction = CassetteTransaction(path, data)
        yield transaction
        transaction._commit()


def save_cassette(cassette: Cassette, *, path: Path | None = None, record: bool = True) -> None:
    """Write the whole of ``cassette`` to ``path`` (default: its own), replacing any file there.

    ``record`` stamps the metadata (a recording or an update). Read-only variants (betamax,
    gzipped, pre-1.0) are refused: their own tools could not load vcrpy's format.
    """
    target = path or cassette.path
    with cassette_transaction(target, create=True) as transaction:
        transaction.save(cassette, record=record)
