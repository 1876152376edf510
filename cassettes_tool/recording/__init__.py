"""Record and replay in tests: ``use_cassette``, the vcrpy glue, the request index and expiry.

Modules, one concern each:

- :mod:`.api` — the ``use_cassette`` object (decorator, decorator with arguments, context manager).
- :mod:`.settings` — turning ``[tool.cassettes]`` + overrides into vcrpy arguments; name resolution.
- :mod:`.cassette` — :class:`~.cassette.IndexedCassette`, vcrpy's ``Cassette`` with an index.
- :mod:`.index` — the constant-time request index honouring ``match_on``.
- :mod:`.filtering` — Secret filters applied to vcrpy requests and responses.
- :mod:`.persister` — vcrpy persister: reads with our reader, writes atomically with metadata.
- :mod:`.parse_cache` — parsed cassettes cached by content hash, outside the repository.
- :mod:`.expiry` — ``max_age`` / ``on_expired``.
- :mod:`.session` — per-process state shared with the pytest plugin (CLI overrides, usage).

Importing this package is cheap; vcrpy is imported only by the modules that need it.
"""

from __future__ import annotations
