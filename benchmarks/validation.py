"""Validation throughput: compiled, cached validators vs `jsonschema.validate` per document.

Two corpora of at least 1,000 responses of mixed kinds:

- API answers: what the reference emulator answers (in-process) for chat (plain, and
  every chunk of streams), models, balance, token estimates, errors, files and batches;
- the documented examples in `tests/data/examples/<schema>/*.json`, 70% of them
  perturbed (a value replaced, a key dropped, a value retyped), shown whole and split
  into its valid and broken parts.

Each document is validated with `conformance.contract.schemas.check` (validators compiled once
and cached: the fastjsonschema verdict, jsonschema's ordered explanation when that
fails, then the documented invariants) and, side by side, with
`jsonschema.validate(doc, schema, registry=...)`, which checks the schema against its
metaschema and builds a validator afresh for every document. Prints responses/second
and the speedup. Run:

    /work/venv/bin/python benchmarks/validation.py [--size N] [--repeat R]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from conformance.contract import schemas

EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "examples"
ODD_VALUES: list[Any] = [None, True, -1, 0, 3.5, "", "x", [], {}]


def examples() -> list[tuple[str, Any]]:
    """(schema name, document) for every response example (request bodies left out)."""
    found = []
    for path in sorted(EXAMPLES.glob("*/*.json")):
        name = path.parent.name
        if name in schemas.names() and not name.endswith(".request") and "input" not in name:
            found.append((name, json.loads(path.read_text(encoding="utf-8"))))
    if not found:
        sys.exit(f"no examples under {EXAMPLES}; run from a checkout with tests/data/examples")
    return found


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """(container, key) for every value inside `node`."""
    slots = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        slots.append((node, key))
        if isinstance(value, (dict, list)) and value:
            slots += _slots(value)
    return slots


def perturb(document: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(document)
    slots = _slots(doc) if isinstance(doc, (dict, list)) else []
    if not slots:
        return doc
    parent, key = rng.choice(slots)
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[key]
    else:
        parent[key] = rng.choice(ODD_VALUES)
    return doc


def corpus(size: int, seed: int = 20260817) -> list[tuple[str, Any]]:
    rng = random.Random(seed)
    base = examples()
    docs = list(base)
    while len(docs) < size:
        name, document = base[len(docs) % len(base)]
        docs.append((name, perturb(document, rng) if rng.random() < 0.7 else document))
    return docs


def api_corpus(size: int) -> list[tuple[str, Any]]:
    """Real answers of mixed kinds, as an API gives them: captured from the reference
    emulator (in-process) for chat (plain and every chunk of streams), models, balance,
    token estimates, errors, files and batches."""
    import httpx

    from conformance.contract.sse import parse
    from conformance.emulator.core import DEFAULT_KEY, Emulator

    client = httpx.Client(
        base_url="https://api.moonshot.ai/v1/",
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
        transport=Emulator().httpx_transport(),
    )
    docs: list[tuple[str, Any]] = []
    jsonl = b'{"custom_id":"r1","method":"POST","url":"/v1/chat/completions",' + (
        b'"body":{"model":"kimi-k2.6","messages":[{"role":"user","content":"hi"}]}}'
    )
    upload = client.post("files", files={"file": ("b.jsonl", jsonl)}, data={"purpose": "batch"})
    file_id = upload.json()["id"]
    i = 0
    while len(docs) < size:
        i += 1
        chat = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": f"q{i}"}]}
        docs.append(("chat.completion", client.post("chat/completions", json=chat).json()))
        stream = client.post("chat/completions", json={**chat, "stream": True})
        docs += [
            ("chat.completion.chunk", json.loads(event.data))
            for event in parse(stream.content)
            if event.data != "[DONE]"
        ]
        docs.append(("models.list", client.get("models").json()))
        docs.append(("balance", client.get("users/me/balance").json()))
        estimate = client.post("tokenizers/estimate-token-count", json=chat)
        docs.append(("token-estimate", estimate.json()))
        unknown = client.post("chat/completions", json={**chat, "model": f"kimi-x{i}"})
        docs.append(("error", unknown.json()))
        docs.append(("file.list", client.get("files").json()))
        batch = {"input_file_id": file_id, "endpoint": "/v1/chat/completions"}
        created = client.post("batches", json={**batch, "completion_window": "24h"}).json()
        docs.append(("batch", created))
        docs.append(("batch", client.get(f"batches/{created['id']}").json()))
        docs.append(("batch.list", client.get("batches", params={"limit": 5}).json()))
    return docs[:size]


def cached(docs: list[tuple[str, Any]]) -> int:
    return sum(not schemas.check(name, doc) for name, doc in docs)


def afresh(docs: list[tuple[str, Any]]) -> int:
    registry = schemas.registry()
    loaded = {name: schemas.load(name) for name in {n for n, _ in docs}}
    valid = 0
    for name, doc in docs:
        try:
            jsonschema.validate(doc, loaded[name], registry=registry)
        except jsonschema.ValidationError:
            continue
        valid += 1
    return valid


def best_rate(run: Callable[[list[tuple[str, Any]]], int], docs: list[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(docs)
        best = min(best, time.perf_counter() - start)
    return len(docs) / best


def _compare(label: str, docs: list[tuple[str, Any]], repeat: int) -> None:
    cached(docs)  # warm the caches
    fast = best_rate(cached, docs, repeat)
    slow = best_rate(afresh, docs, repeat)
    print(f"{label:<34} check {fast:9,.0f}/s  afresh {slow:7,.0f}/s  {fast / slow:5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1200, help="corpus size (default 1200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; best is kept")
    args = parser.parse_args()

    size = max(args.size, 1000)
    print("responses/s: schemas.check (validators compiled once: the fastjsonschema verdict,")
    print("jsonschema's ordered explanation when it fails, the invariants) vs")
    print("jsonschema.validate afresh per document (checks the schema, builds a validator)")
    answers = api_corpus(size)
    _compare(
        f"API answers ({len(answers)}, {len(Counter(n for n, _ in answers))} kinds)",
        answers,
        args.repeat,
    )
    docs = corpus(size)
    valid = [(n, d) for n, d in docs if not schemas.check(n, d)]
    broken = [(n, d) for n, d in docs if schemas.check(n, d)]
    print(f"examples corpus: {len(examples())} documented examples, 70% perturbed")
    for label, part in (("  whole", docs), ("  valid part", valid), ("  broken part", broken)):
        _compare(f"{label} ({len(part)})", part, args.repeat)
    print("(goal: >= 20x; a broken document costs check() a full, ordered explanation)")


if __name__ == "__main__":
    main()
