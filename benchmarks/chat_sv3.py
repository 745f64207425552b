"""SV3: 500 concurrent live chat connections, message delivery p95.

Starts ``accord run`` (gunicorn + uvicorn, the embedded shape: one web process, in-memory channel
layer) on a database of its own, opens N visitor WebSockets (default 500) through the widget's
endpoint, starts a chat on each, then has every visitor send messages at once, round after round;
a message's delivery time is from sending it to its arrival back through the chat's group (stored,
then fanned out by the channel layer). Prints the figures as JSON.

    python benchmarks/chat_sv3.py [--connections 500] [--rounds 5] [--pace SECONDS] [--seed N]

Without ``--pace`` every visitor writes in the same instant (a burst: the worst case). With
``--pace 10`` each visitor writes after a random pause averaging ten seconds (exponential, drawn
from ``--seed``), as people chat: 500 visitors then send about 50 messages a second.

Not (yet) one of ``accord bench``'s registered workloads: it needs no dataset. A first run (500
connections, 3 rounds, SQLite, 2026-12-07): opening and starting the 500 chats 43 s; with all 500
visitors writing in the same instant, delivery p50 4.3 s, p95 9.6 s: each message costs about 19 ms
of the one thread in which Django runs synchronous code under ASGI, and a burst queues behind it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets

SETUP = """
from accord.identity.models import Role, User
from accord.service.models import Queue
from accord.service.services import chat
User.objects.create_user(username="boss", password="x-long-password-1", role=Role.objects.get(code=Role.ADMIN))
channel = chat.create_channel(actor=None, name="Bench", queue=Queue.objects.create(name="Web", is_default=True),
                              allowed_origins=["http://bench.example.com"])
print(channel.key)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def visitor(
    url: str,
    index: int,
    ready: asyncio.Event,
    rounds: int,
    latencies: list[float],
    pause: random.Random | None,
    pace: float,
) -> None:
    async with websockets.connect(url, origin=websockets.Origin("http://bench.example.com"), max_queue=None) as ws:
        json.loads(await ws.recv())  # hello
        form = {
            "type": "start",
            "name": f"Visitor {index}",
            "email": f"v{index}@bench.example.com",
            "question": "Hello",
            "consent": True,
        }
        await ws.send(json.dumps(form))
        # The queue position and greeting come first; the chat has started once its history does.
        while json.loads(await ws.recv())["type"] != "history":
            continue
        ready.set()
        await GO.wait()
        for n in range(rounds):
            if pause is not None:
                await asyncio.sleep(pause.expovariate(1 / pace))
            body = f"m{index}-{n}"
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": body}))
            while True:
                data = json.loads(await ws.recv())
                if data.get("type") == "message" and data.get("body") == body:
                    latencies.append((time.perf_counter() - sent) * 1000)
                    break
                if data.get("type") == "error":
                    raise RuntimeError(data)
            if pause is None:
                await asyncio.sleep(1.0)  # a person types slower than this; within the rate limit


GO: asyncio.Event


async def run(url: str, connections: int, rounds: int, pace: float = 0.0, seed: int = 1515) -> dict[str, float]:
    global GO
    GO = asyncio.Event()
    latencies: list[float] = []
    events = [asyncio.Event() for _ in range(connections)]
    started = time.perf_counter()
    tasks = []
    for i in range(connections):
        pause = random.Random(seed * 100_003 + i) if pace > 0 else None
        tasks.append(asyncio.create_task(visitor(url, i, events[i], rounds, latencies, pause, pace)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.gather(*(e.wait() for e in events))
    setup = time.perf_counter() - started
    GO.set()
    await asyncio.gather(*tasks)
    return {
        "connections": connections,
        "pace_seconds": pace,
        "messages": len(latencies),
        "seconds_to_open_and_start_all": round(setup, 1),
        "delivery_p50_ms": round(statistics.median(latencies), 1),
        "delivery_p95_ms": round(percentile(latencies, 0.95), 1),
        "delivery_p99_ms": round(percentile(latencies, 0.99), 1),
        "delivery_max_ms": round(max(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pace", type=float, default=0.0, help="mean pause before each message, seconds")
    parser.add_argument("--seed", type=int, default=1515)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="accord-sv3-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "ACCORD_VAR_DIR": str(var),
        "ACCORD_ENV": "development",
    }
    accord = [sys.executable, "-m", "accord"]
    subprocess.run([*accord, "migrate", "--no-input", "-v0"], env=env, check=True)
    key = subprocess.run([*accord, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True)
    key_value = key.stdout.strip().splitlines()[-1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*accord, "run", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        url = f"ws://127.0.0.1:{port}/ws/service/chat/visitor/{key_value}/"
        print(json.dumps(asyncio.run(run(url, args.connections, args.rounds, args.pace, args.seed)), indent=1))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
