"""Replay and recording speed: plain vcrpy, cassettes_tool (cold and warm parse cache), cassetter.

Run: ``.venv/bin/python benchmarks/replay.py [--n 1000] [--small 10] [--repeat 3]``.

Everything talks to a loopback HTTP server started here (no internet). In one run it:

1. makes the N distinct GET requests (JSON bodies) live without any cassette (the floor), then
   records them with plain vcrpy, with cassettes_tool and with cassetter (each into its own
   cassette; vcrpy and ours write JSON cassettes);
2. replays the N requests from vcrpy's JSON cassette with plain vcrpy and with cassettes_tool
   (first run with an empty parse cache, second run with it warm), and cassetter from its own
   cassette;
3. opens a 1,000-interaction YAML cassette: vcrpy's load, ours with a cold and a warm parse cache;
4. replays a small cassette (``--small`` interactions, repeated to get stable times).

``--server fast`` serves the API with a lean asyncio server instead of ``http.server``.

Times are the best of ``--repeat`` runs (wall clock, ``time.perf_counter``), each including the
load of the cassette. Ratios are printed; the targets of issue 3 are checked and reported
honestly (PASS/MISS), never adjusted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

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
    parser.add_argument("--repeat", type=int, default=3)
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


def measure(args: argparse.Namespace, work: Path, cache: Path, base_url: str) -> int:
    """Run every measurement against the API at ``base_url`` and print the table."""
    import shutil

    import cassetter
    import vcr

    from cassettes_tool import use_cassette

    big = urls(base_url, args.n)
    small = urls(base_url, args.small)
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
    print(f"recording {args.n} requests (loopback server)...", flush=True)
    # The floor of any recording: the same requests, live, with no cassette at all.
    results["live, no cassette (floor)"] = best(args.repeat, lambda: run_requests(big))
    results["record vcrpy"] = best(1, record_vcrpy(vcrpy_big, big))
    results["record ours"] = best(args.repeat, record_ours(ours_big, big))
    results["record cassetter"] = best(args.repeat, record_cassetter(cassetter_big, big))

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
    results["replay ours (cold cache)"] = best(args.repeat, replay_ours(vcrpy_big, big), before=clear_cache)
    results["replay ours (warm cache)"] = best(args.repeat, replay_ours(vcrpy_big, big))
    results["replay cassetter"] = best(args.repeat, replay_cassetter(cassetter_big, big))
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
    results["open YAML: vcrpy load"] = best(args.repeat, open_vcrpy)
    results["open YAML: ours (cold cache)"] = best(args.repeat, open_ours, before=clear_cache)
    results["open YAML: ours (warm cache)"] = best(args.repeat, open_ours)

    vcrpy_small, cassetter_small = work / "vcrpy-small.json", work / "cassetter-small.yaml"
    record_vcrpy(vcrpy_small, small)()
    record_cassetter(cassetter_small, small)()

    def loops(action: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(args.small_loops):
                action()
        return run

    print(f"replaying a {args.small}-interaction cassette {args.small_loops} times...", flush=True)
    results["small vcrpy"] = best(args.repeat, loops(replay_vcrpy(vcrpy_small, small)))
    results["small ours"] = best(args.repeat, loops(replay_ours(vcrpy_small, small)))
    results["small cassetter"] = best(args.repeat, loops(replay_cassetter(cassetter_small, small)))
    print()
    print(f"{'measurement':32} {'seconds':>10}")
    for name, seconds in results.items():
        print(f"{name:32} {seconds:10.3f}")
    print()
    checks: list[tuple[str, float, str, bool]] = []
    if "replay vcrpy" in results:
        for variant in ("cold cache", "warm cache"):
            ratio = results["replay vcrpy"] / results[f"replay ours ({variant})"]
            checks.append((f"replay {args.n}: vcrpy / ours ({variant})", ratio, ">= 20x", ratio >= 20))
    for variant in ("cold cache", "warm cache"):
        ratio = results[f"replay ours ({variant})"] / results["replay cassetter"]
        checks.append((f"replay {args.n}: ours ({variant}) / cassetter", ratio, "<= 1.5x", ratio <= 1.5))
    ratio = results["small ours"] / results["small vcrpy"]
    checks.append((f"replay {args.small}: ours / vcrpy", ratio, "<= 1.0x", ratio <= 1.0))
    ratio = results["record vcrpy"] / results["record ours"]
    checks.append((f"record {args.n}: vcrpy / ours", ratio, ">= 10x", ratio >= 10))
    ceiling = results["record vcrpy"] / results["live, no cassette (floor)"]
    print(f"{'record: vcrpy / live without any cassette':48} {ceiling:8.2f}x  (the best ratio possible)")
    ratio = results["open YAML: ours (cold cache)"] / results["open YAML: ours (warm cache)"]
    print(f"{'open YAML: cold / warm parse cache':48} {ratio:8.2f}x  (information)")
    for name, value, target, ok in checks:
        print(f"{name:48} {value:8.2f}x  target {target:8}  {'PASS' if ok else 'MISS'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
