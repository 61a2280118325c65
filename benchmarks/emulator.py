"""Emulator throughput: prints figures, asserts nothing about speed.

    python benchmarks/emulator.py [--requests 2000] [--streams 50]

1. In-process (core.handle): non-streamed chat completions per second, median latency.
2. In-process through the openai SDK (httpx2 MockTransport): the same, end to end.
3. Over loopback (serve() + uvicorn): N concurrent streamed completions with
   httpx.AsyncClient; zero errors required; completions/s and chunks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request
from conformance.emulator.server import serve

BODY = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "Benchmark me, please."}]}


def in_process(count: int) -> None:
    emulator = Emulator()
    headers = {"authorization": f"Bearer {DEFAULT_KEY}", "content-type": "application/json"}
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        body = json.dumps({**BODY, "messages": [{"role": "user", "content": f"n {i}"}]}).encode()
        t0 = time.perf_counter()
        response = emulator.handle(Request("POST", "/chat/completions", {}, headers, body))
        latencies.append(time.perf_counter() - t0)
        assert response.status == 200
    elapsed = time.perf_counter() - start
    print(
        f"in-process core: {count / elapsed:,.0f} req/s, "
        f"median {statistics.median(latencies) * 1e6:,.0f} us"
    )


def sdk_in_process(count: int) -> None:
    client = Emulator().openai_client()
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": f"n {i}"}]
        )
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    print(
        f"in-process openai SDK: {count / elapsed:,.0f} req/s, "
        f"median {statistics.median(latencies) * 1e3:,.2f} ms"
    )


async def _streams(base_url: str, streams: int) -> tuple[int, int, float]:
    limits = httpx.Limits(max_connections=streams)
    headers = {"Authorization": f"Bearer {DEFAULT_KEY}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one(i: int) -> int:
            body = {**BODY, "stream": True, "messages": [{"role": "user", "content": f"s {i}"}]}
            async with client.stream("POST", "/chat/completions", json=body) as response:
                response.raise_for_status()
                lines = [line async for line in response.aiter_lines() if line]
            if lines[-1] != "data: [DONE]":
                raise RuntimeError("stream ended without [DONE]")
            return len(lines)

        start = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(streams)), return_exceptions=True)
        elapsed = time.perf_counter() - start
    errors = sum(isinstance(r, BaseException) for r in results)
    chunks = sum(r for r in results if isinstance(r, int))
    return errors, chunks, elapsed


def loopback(streams: int, rounds: int) -> None:
    with serve() as running:
        asyncio.run(_streams(running.base_url, streams))  # warm-up
        total_errors = total_chunks = 0
        total_time = 0.0
        for _ in range(rounds):
            errors, chunks, elapsed = asyncio.run(_streams(running.base_url, streams))
            total_errors += errors
            total_chunks += chunks
            total_time += elapsed
    completions = streams * rounds
    print(
        f"loopback: {rounds} x {streams} concurrent streamed completions, "
        f"{total_errors} errors, {completions / total_time:,.0f} completions/s, "
        f"{total_chunks / total_time:,.0f} SSE events/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    in_process(args.requests)
    sdk_in_process(args.requests // 4)
    loopback(args.streams, args.rounds)


if __name__ == "__main__":
    main()
