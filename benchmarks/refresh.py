"""Benchmark: `cassettes refresh` on 200 cassettes x 5 GET interactions, 50 ms per request.

The loopback API runs in its own process (a threaded stdlib server sleeping 50 ms per request)
so the client's threads do not share a GIL with it. One run measures, in this order:
16 workers (target: within 1.5x of the ideal 1,000 x 50 ms / 16 = 3.1 s) and 1 worker (target:
16 workers at least 10x faster), plus the peak memory of the refreshing process.

    .venv/bin/python benchmarks/refresh.py [--cassettes 200] [--interactions 5] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.config import Config
from cassettes_tool.core.transaction import save_cassette
from cassettes_tool.refresh import RefreshOptions, run_refresh

HOST = "api.example.com"


def serve(delay: float, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    body = json.dumps({"id": 1, "name": "Ada", "tags": ["a", "b"], "address": {"city": "X"}}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    ready.put(server.server_address[1])
    server.serve_forever()


def make_cassettes(folder: Path, count: int, per: int) -> None:
    recorded = json.dumps({"id": 1, "name": "Ada", "tags": ["a"], "address": {"city": "Y"}}).encode()
    for n in range(count):
        interactions = [
            Interaction(Request("GET", f"https://{HOST}/users/{n}/{i}", {"Accept": ["application/json"]}),
                        Response(200, "OK", {"Content-Type": ["application/json"]}, recorded))
            for i in range(per)
        ]
        path = folder / f"group{n % 10}" / f"cassette{n:04}.yaml"
        save_cassette(Cassette(path=path, interactions=interactions), record=True)


def timed_refresh(folder: Path, base_url: str, workers: int) -> float:
    config = Config(root=folder)
    options = RefreshOptions.from_config(config, [folder], rewrite_hosts={HOST: base_url}, workers=workers,
                                         retries=0)
    start = time.perf_counter()
    outcome = run_refresh(config, options, environ={})
    elapsed = time.perf_counter() - start
    summary = outcome.report.summary()
    if summary["ok"] != summary["interactions"]:
        raise SystemExit(f"benchmark run was not clean: {summary}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cassettes", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    ready: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.delay, ready), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{ready.get(timeout=30)}"
    total = args.cassettes * args.interactions
    ideal = total * args.delay / args.workers
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_cassettes(folder, args.cassettes, args.interactions)
            # Warm-up (imports, first connections), traced for the peak of Python allocations;
            # the timed runs are not traced (tracemalloc slows every allocation down).
            tracemalloc.start()
            timed_refresh(folder, base_url, args.workers)
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            parallel = timed_refresh(folder, base_url, args.workers)
            serial = timed_refresh(folder, base_url, 1)
    finally:
        server.terminate()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    speedup = serial / parallel
    print(f"refresh benchmark: {args.cassettes} cassettes x {args.interactions} GET = {total} interactions, "
          f"{args.delay * 1000:.0f} ms per request, loopback server in its own process")
    print(f"  {args.workers} workers : {parallel:6.2f} s   ideal {ideal:.2f} s   ratio {parallel / ideal:.2f}x "
          f"(target <= 1.5x: {'PASS' if parallel <= 1.5 * ideal else 'FAIL'})")
    print(f"   1 worker  : {serial:6.2f} s   speed-up with {args.workers} workers {speedup:.1f}x "
          f"(target >= 10x: {'PASS' if speedup >= 10 else 'FAIL'})")
    print(f"  peak memory: {rss:.0f} MiB max RSS of the refreshing process; "
          f"{traced_peak / 2**20:.1f} MiB peak Python allocations during a {args.workers}-worker run")
    return 0 if parallel <= 1.5 * ideal and speedup >= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
