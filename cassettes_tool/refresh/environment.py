"""The environment's proxy and CA settings, read once per origin instead of once per call.

``requests`` reads them on every call (``Session.merge_environment_settings``): the proxy
variables are looked up by scanning the whole of ``os.environ`` twice, the single largest cost
of a refresh call after the network itself (docs/benchmarks.md). What it computes depends only
on the environment and on the URL's host and port (``no_proxy`` matching), which are the same
for every call of one origin, so :func:`freeze_environment` computes it once, with requests' own
function, when the origin's session is created, then turns ``trust_env`` off; every call passes
the frozen values (:func:`environment_settings`), and requests merges them with the session's
exactly as before. ``trust_env`` decides nothing else for these sessions: their auth is set
(so ``~/.netrc`` is never consulted) and redirects are not followed.
"""

from __future__ import annotations

from typing import Any

import requests

_FROZEN = "_cassettes_environment"


def freeze_environment(session: requests.Session, origin: str) -> None:
    """Compute ``session``'s environment settings for ``origin`` now and stop re-reading them."""
    settings = session.merge_environment_settings(f"{origin}/", {}, None, None, None)
    setattr(session, _FROZEN, {"proxies": dict(settings["proxies"] or {}), "verify": settings["verify"],
                               "cert": settings["cert"]})
    session.trust_env = False


def environment_settings(session: requests.Session) -> dict[str, Any]:
    """The keyword arguments to pass to ``session.request`` (a fresh proxies mapping each time)."""
    frozen: dict[str, Any] | None = getattr(session, _FROZEN, None)
    if frozen is None:
        return {}
    return {"proxies": dict(frozen["proxies"]), "verify": frozen["verify"], "cert": frozen["cert"]}
