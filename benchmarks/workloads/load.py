"""B5 the API under load: wrk (a separate process) against `accord run` (gunicorn, several worker
processes), a mix of 60% GET one contact, 20% list, 10% PATCH, 10% POST, as a sales rep with a
bearer token, so every request passes authentication, the access policy and (for writes) audit.

wrk comes from Debian's packages (`apt-get install wrk`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings

from accord.core import access
from accord.identity import services as identity
from accord.people.models import Contact
from benchmarks.dataset import Dataset
from benchmarks.measure import samples
from benchmarks.workloads import api_endpoints

# How long wrk runs: 30 s at full scale, 8 s on a small dataset (--quick), unless set.
_DURATION_SET = os.environ.get("ACCORD_BENCH_LOAD_SECONDS")
CONNECTIONS = int(os.environ.get("ACCORD_BENCH_LOAD_CONNECTIONS", "16"))
WEB_WORKERS = int(os.environ.get("ACCORD_BENCH_WEB_WORKERS", "3"))
WEB_THREADS = int(os.environ.get("ACCORD_BENCH_WEB_THREADS", "2"))
# The load's mix of requests (the shares SCRIPT draws).
MIX = {"get": 0.6, "list": 0.2, "patch": 0.1, "post": 0.1}
# Requests of each kind timed in-process for the per-endpoint breakdown (half on a small dataset).
BREAKDOWN_RUNS = 400

SCRIPT = """
local ids = {%(ids)s}
local token = "%(token)s"
local counter = 0
local threads = {}
local number = 0

function setup(thread)
  number = number + 1
  thread:set("tid", number)
  table.insert(threads, thread)
end

function init(args)
  fivexx = 0
  math.randomseed(os.time() * 1000 + tid)
end

local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}

request = function()
  local r = math.random(100)
  if r <= 60 then
    return wrk.format("GET", "/api/v1/contacts/" .. ids[math.random(#ids)], headers)
  elseif r <= 80 then
    return wrk.format("GET", "/api/v1/contacts?preferred_language=pl&limit=20", headers)
  elseif r <= 90 then
    counter = counter + 1
    return wrk.format("PATCH", "/api/v1/contacts/" .. ids[math.random(#ids)], headers,
      '{"notes": "load ' .. tid .. '-' .. counter .. '"}')
  else
    counter = counter + 1
    local key = "load-" .. tid .. "-" .. counter .. "-" .. math.random(1000000)
    return wrk.format("POST", "/api/v1/contacts", headers,
      '{"first_name": "Load", "last_name": "Test ' .. key .. '", "external_id": "' .. key ..
      '", "emails": [{"email": "' .. key .. '@load.example"}]}')
  end
end

response = function(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
end

done = function(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do errors = errors + thread:get("fivexx") end
  io.write(string.format("RESULT p50=%%f p95=%%f p99=%%f requests=%%d seconds=%%f non2xx=%%d fivexx=%%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration / 1e6, summary.errors.status, errors))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not come up")


def _breakdown(data: Dataset, token: str, ids: list[Any]) -> dict[str, Any]:
    """Apart from the load: what one request of each kind costs the server, and its queries."""
    try:
        caller = api_endpoints.ApiCaller(token, ids)
        endpoints = api_endpoints.measure(caller, samples(data.scale, BREAKDOWN_RUNS))
    finally:
        Contact.objects.filter(external_id__startswith="load-").delete()
    return {"endpoints": endpoints, "mix_server_time": api_endpoints.mix_estimate(endpoints, MIX)}


def b5_api_load(data: Dataset) -> dict[str, Any]:
    rep = data.reps[0]
    ids = list(access.scope(rep, Contact.objects.all()).order_by("?").values_list("pk", flat=True)[:2000])
    _, token = identity.create_token(user=rep, name="load test")
    if shutil.which("wrk") is None:
        # The load run is skipped, not fatal: the per-endpoint costs and the other workloads'
        # figures are still measured and written.
        return {"skipped": "wrk is not installed (apt-get install wrk)", **_breakdown(data, token, ids)}
    duration = int(_DURATION_SET) if _DURATION_SET else (30 if data.scale >= 0.5 else 8)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accord",
            "run",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            str(WEB_WORKERS),
            "--threads",
            str(WEB_THREADS),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(SCRIPT % {"ids": ", ".join(f'"{pk}"' for pk in ids), "token": token})
            script = handle.name
        # A short warm-up, so every worker has loaded the code and opened its connection.
        subprocess.run(
            ["wrk", "-t2", "-c4", "-d3s", "-s", script, f"http://127.0.0.1:{port}"],
            capture_output=True,
            check=True,
        )
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", script, f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        Path(script).unlink(missing_ok=True)
        Contact.objects.filter(external_id__startswith="load-").delete()
    breakdown = _breakdown(data, token, ids)
    match = re.search(
        r"RESULT p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) requests=(\d+) seconds=([\d.]+) non2xx=(\d+) fivexx=(\d+)", out
    )
    if match is None:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    p50, p95, p99, requests, seconds, non2xx, fivexx = match.groups()
    return {
        "requests": int(requests),
        "requests_per_s": round(int(requests) / float(seconds), 1),
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "non_2xx": int(non2xx),
        "server_errors": int(fivexx),
        **breakdown,
        "server": {"workers": WEB_WORKERS, "threads": WEB_THREADS, "connections": CONNECTIONS, "seconds": duration},
    }


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{settings.DATABASES['default']['NAME']}"
