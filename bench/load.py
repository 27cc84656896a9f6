"""HTTP load on loopback: concurrent form writers and sequential read sampling (aiohttp client).

Each of the `clients` writers owns its own participants and writes them one request at a time,
so none of its requests can conflict with another writer's: every non-2xx answer is an error.
It remembers each version the server acknowledged, so that lost or doubled writes can be
counted afterwards against the event store.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# One request: (method, path, JSON body or None).
Request = tuple[str, str, Any]


@dataclass
class Writer:
    """One participant's weekly report, corrected back and forth (or entered first)."""

    pid: str
    week: int
    version: int
    days: int | None  # LBP_DAYS as it stands, None before the first entry
    acknowledged: list[int] = field(default_factory=list)

    def next_request(self) -> Request:
        days = 3 if self.days != 3 else 4
        body: dict[str, Any] = {
            "items": {"WEEK": self.week, "LBP_DAYS": days, "SICK_LEAVE_DAYS": 0},
            "expected_version": self.version,
        }
        if self.days is not None:
            body["reason"] = {"code": "transcription_error", "text": "bench correction"}
        return "PUT", f"/api/v1/participants/{self.pid}/forms/weekly", body

    def accepted(self, answer: Any) -> None:
        sheet = answer["items"][str(self.week)] if isinstance(answer, dict) else {}
        self.version = int(answer["version"]) if isinstance(answer, dict) else self.version + 1
        self.days = sheet.get("LBP_DAYS", 3 if self.days != 3 else 4)
        self.acknowledged.append(self.version)


@dataclass
class LoadResult:
    requests: int
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    error_samples: list[str]

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "error_samples": self.error_samples[:5],
        }


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1])


async def run_writers(
    base_url: str,
    clients: Sequence[Sequence[Any]],
    per_client: int,
    headers: dict[str, str],
    *,
    request_of: Callable[[Any], Request],
    on_success: Callable[[Any, Any], None],
) -> LoadResult:
    """`clients[i]` is the list of things client i writes, round robin, `per_client` times."""
    latencies: list[float] = []
    errors: list[str] = []
    ok = 0
    connector = aiohttp.TCPConnector(limit=len(clients) + 4)
    timeout = aiohttp.ClientTimeout(total=120)

    async def client(owned: Sequence[Any]) -> None:
        nonlocal ok
        for n in range(per_client):
            target = owned[n % len(owned)]
            method, path, body = request_of(target)
            began = time.perf_counter()
            try:
                async with session.request(
                    method, base_url + path, json=body, headers=headers
                ) as response:
                    data = await response.json(content_type=None)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            if 200 <= status < 300:
                ok += 1
                on_success(target, data)
            else:
                errors.append(f"{status}: {str(data)[:200]}")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(owned) for owned in clients))
        seconds = time.perf_counter() - started
    return LoadResult(
        requests=len(clients) * per_client,
        ok=ok,
        errors=len(errors),
        seconds=seconds,
        latencies_ms=latencies,
        error_samples=errors,
    )


async def sample_gets(
    base_url: str, path: str, count: int, headers: dict[str, str], warmup: int = 3
) -> tuple[list[float], list[int]]:
    """Latencies (ms) of `count` sequential GETs of `path` after a warm-up; the error statuses."""
    latencies: list[float] = []
    errors: list[int] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for n in range(warmup + count):
            began = time.perf_counter()
            async with session.get(base_url + path, headers=headers) as response:
                await response.read()
                status = response.status
            if n >= warmup:
                latencies.append((time.perf_counter() - began) * 1000)
                if status >= 400:
                    errors.append(status)
    return latencies, errors


async def get_json(base_url: str, path: str, headers: dict[str, str]) -> Any:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session,
        session.get(base_url + path, headers=headers) as response,
    ):
        response.raise_for_status()
        return await response.json()
