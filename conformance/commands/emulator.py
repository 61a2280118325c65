"""`kimi-conformance emulator`: serve the reference emulator on loopback until stopped.

Once the socket is listening it prints three lines: `listening on
http://127.0.0.1:PORT/v1` (first, for scripts that wait for it), the key clients must
send (or, with `--key-env VAR`, the variable it was read from: that key is never
printed), and an environment line to paste into a shell. Ctrl-C or SIGTERM stops it
cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import threading
from types import FrameType

from conformance.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--key", help="the API key clients must send (default: a dummy key)")
    keys.add_argument("--key-env", metavar="VAR", help="read the API key from this variable")
    parser.add_argument("--seed", type=int, default=0, help="seed of ids, times and text")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[:times=N,every=N,delay=S,paths=RE]",
        help="inject a fault (repeatable); e.g. rate-limit, drop-mid-stream",
    )
    parser.add_argument("--tier", help="enforce a rate-limit tier (tier0 ... tier5)")
    parser.add_argument(
        "--balance",
        type=float,
        metavar="USD",
        help="start with this cash balance and no vouchers (0: every chat request gets 429 "
        "exceeded_current_quota_error); default: the documented example balance",
    )
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow listening on a non-loopback address (exposes the emulator to the network)",
    )


def _banner(base_url: str, key: str, args: argparse.Namespace) -> list[str]:
    """What a client needs: where, which key, and both as a line to paste."""
    import shlex

    from conformance.emulator.core import DEFAULT_KEY

    if args.key_env:
        shown, value = f"the value of ${args.key_env} (not printed)", f'"${args.key_env}"'
    else:
        shown, value = key, shlex.quote(key)
        if key == DEFAULT_KEY:
            shown += " (the default; set another with --key or --key-env VAR)"
    return [
        f"listening on {base_url}",
        f"key (clients send Authorization: Bearer <key>): {shown}",
        f"export MOONSHOT_BASE_URL={base_url} MOONSHOT_API_KEY={value}",
    ]


def _key(args: argparse.Namespace) -> str:
    from conformance.emulator.core import DEFAULT_KEY

    if args.key_env:
        value = os.environ.get(args.key_env, "").strip()
        if not value:
            raise UsageError(f"--key-env {args.key_env}: that variable is not set or empty")
        return value
    if args.key is not None:
        if not args.key.strip():
            raise UsageError("--key is empty; pass a key or leave --key out for the dummy key")
        return args.key.strip()
    return DEFAULT_KEY


def _build(args: argparse.Namespace):
    from conformance.emulator.account import Balance
    from conformance.emulator.core import Emulator
    from conformance.emulator.faults import FaultSpec
    from conformance.emulator.ratelimit import TIERS

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is out of range; use 0..65535 (0: a free port)")
    try:
        faults = [FaultSpec.parse(text) for text in args.fault]
    except ValueError as exc:
        raise UsageError(f"--fault: {exc}") from None
    tier = None
    if args.tier is not None:
        tier = TIERS.get(args.tier.lower())
        if tier is None:
            raise UsageError(f"--tier {args.tier}: unknown tier; choose one of {', '.join(TIERS)}")
    balance = None
    if args.balance is not None:
        if not math.isfinite(args.balance) or args.balance < 0:
            raise UsageError(f"--balance {args.balance}: use an amount of USD >= 0")
        balance = Balance(cash=args.balance, voucher=0.0)
    return Emulator(
        api_keys=[_key(args)], seed=args.seed, faults=faults, rate_limit=tier, balance=balance
    )


def run(args: argparse.Namespace) -> int:
    from conformance.emulator.server import serve

    emulator = _build(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with serve(
            emulator, host=args.host, port=args.port, allow_non_loopback=args.allow_non_loopback
        ) as running:
            print("\n".join(_banner(running.base_url, emulator.client_key, args)), flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK
