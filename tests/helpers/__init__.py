"""Helpers shared by the test modules (no tests here); test modules import from this package only.

- ``server``: the one loopback HTTP server (routes, latency, faults, in-flight counters, request log).
- ``cli``: running the ``cassettes`` CLI (in-process, or as a real process where that is the point).
- ``cassettes``: cassette builders and a small valid cassette.
- ``reports``: sample drift reports for the renderers' golden files.
- ``corpus``: the shared real-world cassettes (absent on some machines: skip with its reason).
- ``projects``: large generated projects for the scale, crash and concurrency tests.
- ``strategies``: hypothesis strategies for cassette-shaped data.
- ``timing``: a SIGALRM bound for blocks that could hang.
- ``plugin`` and ``recording``: fixtures (loaded by ``tests/conftest.py``).
"""
