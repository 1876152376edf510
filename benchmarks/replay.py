"""Replay and recording speed: cassettes_tool against cassetter, plain vcrpy and the floors.

Run: ``.venv/bin/python benchmarks/replay.py [--n 1000] [--small 10] [--rounds 5]``.

Everything talks to a loopback HTTP server started here, in its own process (no internet).
Every comparison is made in the same run, in interleaved rounds (baseline, ours, baseline,
ours...), and the median of each is kept, so that the load of a shared machine hits all sides
alike. In one run it:

1. records the N distinct GET requests (JSON bodies) with plain vcrpy (once: it is slow), then
   in rounds: the same requests live with no cassette (the recording floor), recorded with
   cassettes_tool and with cassetter (each into its own cassette);
2. replays them in rounds: through a ``requests`` adapter that does nothing (the replay floor),
   with cassettes_tool from vcrpy's JSON cassette (warm parse cache, and cold: cache emptied
   first), and with cassetter from its own cassette; plain vcrpy once (O(N^2), slow; skip it
   with ``--skip-vcrpy-replay``);
3. opens a 1,000-interaction YAML cassette: vcrpy's load, ours with a cold and a warm parse cache;
4. replays a small cassette (``--small`` interactions, ``--small-loops`` times) with each tool.

``--server fast`` serves the API with a lean asyncio server instead of ``http.server``.

Times are wall clock (``time.perf_counter``), each including the opening of the cassette.
Ratios are printed and the targets of issue 20 are checked and reported honestly (PASS/MISS),
never adjusted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
import requests.adapters
import requests.structures

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.server import LoopbackServer, ReceivedRequest  # noqa: E402


def item_handler(request: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
    number = int(request.path.rsplit("/", 1)[-1])
    body = {
        "id": number, "name": f"item {number}", "tags": ["a", "b", "c"], "price": number * 1.5,
        "owner": {"id": number % 17, "login": f"user{number % 17}", "active": True},
        "description": "x" * 120,
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def serve_fast() -> None:
    """The same API on asyncio: a lean server, so that recording measures the tools, not it."""
    import asyncio

    count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                               if line.lower().startswith("content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                path = target.split("?", 1)[0]
                if path == "/count":
                    status, payload = 200, str(count).encode()
                else:
                    count += 1
                    status, _, payload = item_handler(ReceivedRequest(method, path, "", {}, body))
                writer.write(b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % (status, len(payload)) + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        print(f"http://127.0.0.1:{port}", flush=True)
        await server.serve_forever()

    asyncio.run(main())


def serve() -> None:
    """The benchmark's API: ``/items/<n>`` JSON documents, ``/count`` requests served so far."""
    if "--fast" in sys.argv:
        serve_fast()
    server = LoopbackServer().start()
    server.route("GET", "/count", handler=lambda _: (200, {}, str(len(server.requests) - 1).encode()))
    server.route("GET", "*", handler=item_handler)
    print(server.base_url, flush=True)
    while True:
        time.sleep(3600)


def served(base_url: str) -> int:
    return int(requests.get(f"{base_url}/count").text)


def urls(base: str, n: int) -> list[str]:
    return [f"{base}/items/{i}" for i in range(n)]


def run_requests(targets: list[str]) -> None:
    with requests.Session() as http:
        for url in targets:
            response = http.get(url)
            response.raise_for_status()
            response.json()


def best(repeat: int, action: Callable[[], None], before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    if "--serve" in sys.argv:
        serve()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--small-loops", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are kept")
    parser.add_argument("--server", choices=("stdlib", "fast"), default="stdlib",
                        help="the loopback API: stdlib http.server (threads) or a lean asyncio one")
    parser.add_argument("--skip-vcrpy-replay", action="store_true", help="vcrpy replay of N is O(N^2) and slow")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cassettes-bench-"))
    os.chdir(work)
    (work / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    cache = work / "parse-cache"
    os.environ["CASSETTES_CACHE_DIR"] = str(cache)

    # The API runs in its own process, like a real one: no GIL shared with the client.
    command = [sys.executable, __file__, "--serve"] + (["--fast"] if args.server == "fast" else [])
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        return measure(args, work, cache, server.stdout.readline().strip())
    finally:
        server.terminate()
        server.wait()


class NoopAdapter(requests.adapters.BaseAdapter):
    """A ``requests`` transport that does nothing: the answer for each URL is built in advance.

    The floor of any replay: ``requests``' own work (session, preparation, response object)
    with no connection pool, no stub and no cassette.
    """

    def __init__(self, bodies: dict[str, bytes]) -> None:
        super().__init__()
        self.bodies = bodies

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: object = None,
             verify: object = True, cert: object = None, proxies: object = None) -> requests.Response:
        assert request.url is not None
        body = self.bodies[request.url]
        response = requests.Response()
        response.status_code, response.reason, response.url = 200, "OK", request.url
        response.headers = requests.structures.CaseInsensitiveDict(
            {"Content-Type": "application/json", "Content-Length": str(len(body))})
        response._content = body
        response.request = request
        return response

    def close(self) -> None:
        pass


def run_noop(targets: list[str], bodies: dict[str, bytes]) -> None:
    with requests.Session() as http:
        http.mount("http://", NoopAdapter(bodies))
        for url in targets:
            response = http.get(url)
            response.raise_for_status()
            response.json()


def interleaved(rounds: int, variants: dict[str, tuple[Callable[[], None], Callable[[], None] | None]],
                results: dict[str, float]) -> None:
    """Run every variant once per round, in turn (baseline, ours, baseline, ours...), and keep
    each one's median: a load spike on the shared machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (action, before) in variants.items():
            if before is not None:
                before()
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        results[name] = statistics.median(values)


def measure(args: argparse.Namespace, work: Path, cache: Path, base_url: str) -> int:
    """Run every measurement against the API at ``base_url`` and print the table."""
    import shutil

    import cassetter
    import vcr

    from cassettes_tool import use_cassette

    big = urls(base_url, args.n)
    small = urls(base_url, args.small)
    bodies = {url: item_handler(ReceivedRequest("GET", url[len(base_url):], "", {}, b""))[2] for url in big}
    results: dict[str, float] = {}
    plain = vcr.VCR(record_mode="once", serializer="json")

    def record_vcrpy(path: Path, targets: list[str]) -> Callable[[], None]:
        def action() -> None:
            path.unlink(missing_ok=True)
            with plain.use_cassette(str(path)):
                run_requests(targets)
        return action

    def record_ours(path: Path, targets: list[str]) -> Callable[[], None]:
        def action() -> None:
            path.unlink(missing_ok=True)
            with use_cassette(str(path), record_mode="once"):
                run_requests(targets)
        return action

    def record_cassetter(path: Path, targets: list[str]) -> Callable[[], None]:
        def action() -> None:
            path.unlink(missing_ok=True)
            with cassetter.use_cassette(str(path), record_mode="once"):
                run_requests(targets)
        return action

    vcrpy_big, ours_big, cassetter_big = work / "vcrpy-big.json", work / "ours-big.json", work / "cassetter-big.yaml"
    print(f"recording {args.n} requests (loopback server), {args.rounds} interleaved rounds...", flush=True)
    results["record vcrpy"] = best(1, record_vcrpy(vcrpy_big, big))
    # The floor of any recording: the same requests, live, with no cassette at all.
    interleaved(args.rounds, {
        "live, no cassette (floor)": (lambda: run_requests(big), None),
        "record ours": (record_ours(ours_big, big), None),
        "record cassetter": (record_cassetter(cassetter_big, big), None),
    }, results)

    def replay_vcrpy(path: Path, targets: list[str]) -> Callable[[], None]:
        replayer = vcr.VCR(record_mode="none", serializer="json")

        def action() -> None:
            with replayer.use_cassette(str(path)):
                run_requests(targets)
        return action

    def replay_ours(path: Path, targets: list[str]) -> Callable[[], None]:
        def action() -> None:
            with use_cassette(str(path), record_mode="none"):
                run_requests(targets)
        return action

    def replay_cassetter(path: Path, targets: list[str]) -> Callable[[], None]:
        def action() -> None:
            with cassetter.use_cassette(str(path), record_mode="none"):
                run_requests(targets)
        return action

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    print(f"replaying {args.n} requests...", flush=True)
    served_before = served(base_url)
    if not args.skip_vcrpy_replay:
        results["replay vcrpy"] = best(1, replay_vcrpy(vcrpy_big, big))
    replay_ours(vcrpy_big, big)()  # warms the parse cache for the first "warm" round
    interleaved(args.rounds, {
        "replay: no-op adapter (floor)": (lambda: run_noop(big, bodies), None),
        "replay ours (warm cache)": (replay_ours(vcrpy_big, big), None),
        "replay cassetter": (replay_cassetter(cassetter_big, big), None),
        "replay ours (cold cache)": (replay_ours(vcrpy_big, big), clear_cache),
    }, results)
    assert served(base_url) - served_before in (0, 1), "a replay reached the server"  # stdlib counts /count

    # Opening a large YAML cassette: where the parse cache matters (YAML parses slowly).
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serialize import deserialize, serialize
    from vcr.serializers import jsonserializer, yamlserializer

    yaml_big = work / "vcrpy-big.yaml"
    yaml_big.write_text(serialize(dict(zip(("requests", "responses"),
                                           deserialize(vcrpy_big.read_text(), jsonserializer), strict=False)),
                                  yamlserializer))

    def open_vcrpy() -> None:
        FilesystemPersister.load_cassette(str(yaml_big), yamlserializer)

    def open_ours() -> None:
        with use_cassette(str(yaml_big), record_mode="none"):
            pass

    print(f"opening a {args.n}-interaction YAML cassette...", flush=True)
    open_ours()
    interleaved(args.rounds, {
        "open YAML: vcrpy load": (open_vcrpy, None),
        "open YAML: ours (warm cache)": (open_ours, None),
        "open YAML: ours (cold cache)": (open_ours, clear_cache),
    }, results)

    vcrpy_small, cassetter_small = work / "vcrpy-small.json", work / "cassetter-small.yaml"
    record_vcrpy(vcrpy_small, small)()
    record_cassetter(cassetter_small, small)()

    def loops(action: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(args.small_loops):
                action()
        return run

    print(f"replaying a {args.small}-interaction cassette {args.small_loops} times...", flush=True)
    interleaved(args.rounds, {
        "small vcrpy": (loops(replay_vcrpy(vcrpy_small, small)), None),
        "small ours": (loops(replay_ours(vcrpy_small, small)), None),
        "small cassetter": (loops(replay_cassetter(cassetter_small, small)), None),
    }, results)
    print()
    print(f"{'measurement (median)':32} {'seconds':>10}")
    for name, seconds in results.items():
        print(f"{name:32} {seconds:10.3f}")
    print()
    checks: list[tuple[str, float, str, bool]] = []
    for variant in ("cold cache", "warm cache"):
        ours = results[f"replay ours ({variant})"]
        ratio = ours / results["replay cassetter"]
        checks.append((f"replay {args.n}: ours ({variant}) / cassetter", ratio, "<= 1.0x", ratio <= 1.0))
        ratio = ours / results["replay: no-op adapter (floor)"]
        checks.append((f"replay {args.n}: ours ({variant}) / no-op floor", ratio, "<= 1.3x", ratio <= 1.3))
    ratio = results["small ours"] / results["small vcrpy"]
    checks.append((f"replay {args.small}: ours / vcrpy", ratio, "<= 1.0x", ratio <= 1.0))
    ratio = results["record ours"] / results["record cassetter"]
    checks.append((f"record {args.n}: ours / cassetter", ratio, "<= 1.0x", ratio <= 1.0))
    ratio = results["record ours"] / results["live, no cassette (floor)"]
    checks.append((f"record {args.n}: ours / live floor", ratio, "<= 1.5x", ratio <= 1.5))
    if "replay vcrpy" in results:
        for variant in ("cold cache", "warm cache"):
            ratio = results["replay vcrpy"] / results[f"replay ours ({variant})"]
            print(f"{f'replay {args.n}: vcrpy / ours ({variant})':48} {ratio:8.2f}x  (information)")
    ratio = results["record vcrpy"] / results["record ours"]
    print(f"{f'record {args.n}: vcrpy / ours':48} {ratio:8.2f}x  (information)")
    ratio = results["open YAML: ours (cold cache)"] / results["open YAML: ours (warm cache)"]
    print(f"{'open YAML: cold / warm parse cache':48} {ratio:8.2f}x  (information)")
    for name, value, target, ok in checks:
        print(f"{name:48} {value:8.2f}x  target {target:8}  {'PASS' if ok else 'MISS'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
