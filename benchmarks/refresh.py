"""Benchmark: `cassettes refresh` on 200 cassettes x 5 GET interactions, 50 ms per request.

The loopback API runs in its own process (a threaded stdlib server sleeping 50 ms per request)
so the client's threads do not share a GIL with it. The floor is the same 1,000 GETs made with
plain ``http.client`` by the same number of threads (one keep-alive connection each) against the
same server. One run measures, in interleaved rounds (floor, ours, floor, ours...; medians):
16 and 64 workers (``--workers``), ours against the floor (target: ours <= 1.2x the floor), and
the peak memory of the refreshing process. ``--serial`` adds a 1-worker run (about 51 s;
target: 16 workers at least 10x faster).

    .venv/bin/python benchmarks/refresh.py [--cassettes 200] [--interactions 5] [--delay 0.05]
        [--workers 16 64] [--rounds 3] [--serial]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
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


CPU: dict[tuple[str, int], list[float]] = {}  # process CPU seconds (all threads) of each timed run


def timed_refresh(folder: Path, base_url: str, workers: int) -> float:
    config = Config(root=folder)
    options = RefreshOptions.from_config(config, [folder], rewrite_hosts={HOST: base_url}, workers=workers,
                                         retries=0)
    start, cpu = time.perf_counter(), time.process_time()
    outcome = run_refresh(config, options, environ={})
    elapsed = time.perf_counter() - start
    CPU.setdefault(("ours", workers), []).append(time.process_time() - cpu)
    summary = outcome.report.summary()
    if summary["ok"] != summary["interactions"]:
        raise SystemExit(f"benchmark run was not clean: {summary}")
    return elapsed


def floor(base_url: str, paths: list[str], workers: int) -> float:
    """The same GETs with plain ``http.client``: ``workers`` threads, one connection each."""
    import http.client
    import queue
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for path in paths:
        todo.put(path)
    failures: list[str] = []
    retried: list[str] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        try:
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    return
                for _attempt in range(3):  # a dropped keep-alive connection: reconnect, send again
                    try:
                        connection.request("GET", path, headers={"Accept": "application/json"})
                        response = connection.getresponse()
                        body = response.read()
                        break
                    except (OSError, http.client.HTTPException):
                        connection.close()
                        retried.append(path)
                else:
                    failures.append(path)
                    continue
                if response.status != 200 or not body:
                    failures.append(path)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    start, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    CPU.setdefault(("floor", workers), []).append(time.process_time() - cpu)
    if failures:
        raise SystemExit(f"floor run was not clean: {len(failures)} failures")
    if retried:
        print(f"  (floor, {workers} threads: {len(retried)} call(s) sent again after a dropped connection)")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cassettes", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--workers", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serial", action="store_true", help="also time 1 worker (slow)")
    args = parser.parse_args()

    ready: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.delay, ready), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{ready.get(timeout=30)}"
    total = args.cassettes * args.interactions
    paths = [f"/users/{n}/{i}" for n in range(args.cassettes) for i in range(args.interactions)]
    times: dict[tuple[str, int], list[float]] = {}
    peaks: dict[int, float] = {}
    serial = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_cassettes(folder, args.cassettes, args.interactions)
            timed_refresh(folder, base_url, args.workers[0])  # first use: imports, caches (not traced)
            for workers in args.workers:
                # A warm-up per worker count, traced for the peak of Python allocations; the timed
                # runs are not traced (tracemalloc slows every allocation down).
                tracemalloc.start()
                timed_refresh(folder, base_url, workers)
                peaks[workers] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            CPU.clear()
            for _ in range(args.rounds):
                for workers in args.workers:
                    times.setdefault(("floor", workers), []).append(floor(base_url, paths, workers))
                    times.setdefault(("ours", workers), []).append(timed_refresh(folder, base_url, workers))
            if args.serial:
                serial = timed_refresh(folder, base_url, 1)
    finally:
        server.terminate()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"refresh benchmark: {args.cassettes} cassettes x {args.interactions} GET = {total} interactions, "
          f"{args.delay * 1000:.0f} ms per request, loopback server in its own process, "
          f"median of {args.rounds} interleaved rounds")
    ok = True
    for workers in args.workers:
        ours, base = (statistics.median(times[(k, workers)]) for k in ("ours", "floor"))
        ideal = total * args.delay / workers
        ratio = ours / base
        ok = ok and ratio <= 1.2
        print(f"  {workers:3} workers: ours {ours:6.2f} s   http.client floor {base:6.2f} s   "
              f"ratio {ratio:.2f}x (target <= 1.2x: {'PASS' if ratio <= 1.2 else 'MISS'})   "
              f"ideal {ideal:.2f} s; peak Python allocations {peaks[workers] / 2**20:.1f} MiB")
        ours_cpu, base_cpu = (statistics.median(CPU[(k, workers)]) * 1000 / total for k in ("ours", "floor"))
        print(f"               CPU of the client process per call: ours {ours_cpu:.2f} ms   "
              f"floor {base_cpu:.2f} ms   ({ours_cpu / base_cpu:.1f}x)")
    if serial is not None:
        parallel = statistics.median(times[("ours", args.workers[0])])
        speedup = serial / parallel
        ok = ok and speedup >= 10
        print(f"    1 worker : {serial:6.2f} s   speed-up with {args.workers[0]} workers {speedup:.1f}x "
              f"(target >= 10x: {'PASS' if speedup >= 10 else 'MISS'})")
    print(f"  peak memory: {rss:.0f} MiB max RSS of the refreshing process")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
