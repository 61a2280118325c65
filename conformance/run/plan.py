"""The run plan: what every selected check costs, in what order the checks run, and which
of them fit the run's caps. Computed before the first request, from the checks'
declarations alone (pure: no I/O), for one model at a time.

Each check declares what it sends (`pytest.mark.kimi_cost`, next to the check; read by
the plugin into a `Declaration`): its own requests (cleanup included), the chat bodies
it posts (priced by `conformance.run.cost.worst_case_tokens`), the answers it shares with
other checks (named; priced once, by the first check that needs them), and when it sends
nothing for a model (`skips`). Fuzz properties declare the worst case of one example;
they are priced last, from what the deterministic checks leave.

Groups, in run order:

- `core`: what a deploy gate needs most (auth, base URL, the models rule, gateway IDs,
  chat through both client paths, one stream, one tool call, the error envelope,
  balance, the token estimate). `--profile smoke` runs these alone;
- `deep`: every other deterministic check;
- `fuzz`: the fuzz module: fixed regression examples, then the properties, which take
  a fixed number of examples from what is left.

Public API: `Declaration`, `CheckSpec`, `PlannedCheck`, `Plan`, `make_plan`,
`GROUPS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.run.cost import FREE, Cost, worst_case_tokens

__all__ = [
    "GROUPS",
    "CheckSpec",
    "Declaration",
    "Plan",
    "PlannedCheck",
    "make_plan",
]

GROUPS = ("core", "deep", "observe", "fuzz")

Count = int | Callable[[str], int]


def _count(value: Count, model: str) -> int:
    return int(value(model) if callable(value) else value)


@dataclass(frozen=True)
class Declaration:
    """What one check sends, as declared by its `kimi_cost` marker.

    `requests`: requests other than chat completions (its own cleanup included);
    `chat`: the chat bodies it posts, for a model (each one request, priced by its worst
    case); `chat_with_params`: the same for a parametrized check, `(model, params)`;
    `tokens`: other worst-case tokens (a batch's lines); `shares`: names of answers it
    reads that other checks read too; `skips(model, params)`: why it sends nothing
    for this model, or None; `example_tokens`: > 0 for a fuzz property, the worst case of
    one example (its examples come from what is left).
    """

    requests: Count = 0
    chat: Callable[[str], Sequence[Mapping[str, Any]]] | None = None
    chat_with_params: Callable[[str, Mapping[str, Any]], Sequence[Mapping[str, Any]]] | None = None
    tokens: Count = 0
    shares: tuple[str, ...] = ()
    skips: Callable[[str, Mapping[str, Any]], str | None] | None = None
    example_tokens: int = 0
    # Shared answers this check's module defines itself (name -> what it costs), for the
    # answers only one module's checks share: `kimi_cost(shares={"name": {"chat": ...}})`.
    defines: Mapping[str, Declaration] = field(default_factory=dict)

    @classmethod
    def from_marker(cls, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Declaration:
        """`kimi_cost(requests=..., chat=..., tokens=..., shares=..., skips=...,
        example_tokens=...)`; a positional int is `requests`."""
        values = dict(kwargs)
        if args:
            values.setdefault("requests", args[0])
        if isinstance(values.get("shares"), str):
            values["shares"] = (values["shares"],)
        if isinstance(values.get("shares"), Mapping):
            values["defines"] = {
                name: cost if isinstance(cost, Declaration) else cls(**cost)
                for name, cost in values["shares"].items()
            }
        values["shares"] = tuple(values.get("shares", ()))
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"kimi_cost: unknown arguments {sorted(unknown)}")
        return cls(**values)

    @property
    def is_property(self) -> bool:
        return self.example_tokens > 0

    def skip_reason(self, model: str, params: Mapping[str, Any]) -> str | None:
        return self.skips(model, params) if self.skips is not None else None

    def own_cost(self, model: str, params: Mapping[str, Any] | None = None) -> Cost:
        """What the check sends itself (shared answers not included)."""
        bodies = list(self.chat(model)) if self.chat is not None else []
        if self.chat_with_params is not None:
            bodies += self.chat_with_params(model, params or {})
        tokens = sum(worst_case_tokens(body) for body in bodies) + _count(self.tokens, model)
        return Cost(_count(self.requests, model) + len(bodies), tokens)


# An undeclared check is priced as one request that could spend a default completion:
# the plan never assumes a check is free without being told.
UNDECLARED = Declaration(requests=1, tokens=1024)


@dataclass(frozen=True)
class CheckSpec:
    """One collected check as the plan sees it: plain data, no pytest objects."""

    id: str
    group: str = "deep"
    declaration: Declaration | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # skipped whatever the budget (e.g. --web-search not given)
    model: str | None = None  # the model it runs for (`--models`); None: the run's


@dataclass(frozen=True)
class PlannedCheck:
    """One check in the plan: what running it adds to the spend, and whether it runs.

    `status`: `planned`; `budget` (it does not fit the caps: it will not run);
    `skips` (it sends nothing in this run: not for this model, or not selected);
    `off` (a fuzz property with fuzzing off, or on replay, where properties do not run).
    """

    id: str
    group: str
    cost: Cost
    shares: tuple[str, ...] = ()
    status: str = "planned"
    why: str = ""
    examples: int = 0  # fuzz properties: examples planned
    fuzz_property: bool = False  # priced from what the other checks leave

    @property
    def runs(self) -> bool:
        return self.status == "planned"


@dataclass(frozen=True)
class Plan:
    model: str
    target: str
    profile: str
    caps: Cost
    overhead: Cost  # sent by the run itself, whatever is selected (the live preflight)
    checks: tuple[PlannedCheck, ...]
    needed: Cost  # everything selected, fuzzing at its configured examples, caps aside
    fuzz_examples: int  # configured examples per property (0: fuzzing off)
    example_tokens: int = 0  # worst case of one fuzz example
    # What the deterministic checks of each group and the groups before it need.
    through: Mapping[str, Cost] = field(default_factory=dict)

    def planned(self, group: str | None = None) -> Cost:
        """What the checks that run add up to (shared answers once), overhead included
        when no group is given."""
        cost = self.overhead if group is None else FREE
        for check in self.checks:
            if check.runs and (group is None or check.group == group):
                cost = cost + check.cost
        return cost

    @property
    def over_budget(self) -> list[PlannedCheck]:
        return [c for c in self.checks if c.status == "budget"]

    @property
    def fits(self) -> bool:
        return not self.over_budget

    def status_of(self, check_id: str) -> PlannedCheck | None:
        for check in self.checks:
            if check.id == check_id:
                return check
        return None

    def minimum(self, group: str = "core") -> Cost:
        """Caps that run every deterministic check of `group` and of the groups before it."""
        cost = self.overhead
        for name in GROUPS[: GROUPS.index(group) + 1]:
            cost = self.through.get(name, cost)
        return cost

    def advice(self) -> str:
        """The settings that would make the whole plan fit."""
        parts = []
        if self.needed.requests > self.caps.requests:
            parts.append(f"--max-requests {self.needed.requests}")
        if self.needed.tokens > self.caps.tokens:
            parts.append(f"--budget-tokens {self.needed.tokens}")
        return " ".join(parts)

    def fuzz_now(self, check_id: str, left: Cost, wanted: int) -> tuple[int, str]:
        """Examples the property `check_id` takes now, from `left` (what the run can still
        spend), shared with the properties after it; and, when none, why."""
        properties = [c for c in self.checks if c.fuzz_property and c.status != "off"]
        names = [c.id for c in properties]
        if check_id not in names:  # a suite bug: it would take every later property's share
            raise KeyError(f"{check_id} is not a fuzz property of this plan: {names}")
        remaining = len(properties) - names.index(check_id)
        each = _examples_each(left, remaining, wanted, self.example_tokens)
        why = "" if each else f"nothing left for fuzzing ({left} left of {self.caps})"
        return each, why

    def to_json(self) -> dict[str, Any]:
        def cost(c: Cost) -> dict[str, int]:
            return {"requests": c.requests, "tokens": c.tokens}

        return {
            "model": self.model,
            "target": self.target,
            "profile": self.profile,
            "caps": cost(self.caps),
            "overhead": cost(self.overhead),
            "planned": cost(self.planned()),
            "by_group": {g: cost(self.planned(g)) for g in GROUPS},
            "needed": cost(self.needed),
            "fuzz_examples": self.fuzz_examples,
            "fits": self.fits,
            "advice": self.advice(),
            "checks": [
                {
                    "id": c.id,
                    "group": c.group,
                    **cost(c.cost),
                    "shares": list(c.shares),
                    "status": c.status,
                    "why": c.why,
                    **({"examples": c.examples} if c.examples else {}),
                }
                for c in self.checks
            ],
        }

    def summary(self) -> list[str]:
        """A few lines: the plan's cost per group and what will not run."""
        parts = [f"preflight {self.overhead.requests}"] if self.overhead.requests else []
        parts += [
            f"{g} {self.planned(g).requests}"
            for g in GROUPS
            if any(c.group == g and c.runs for c in self.checks)
        ]
        total = self.planned()
        lines = [
            f"plan ({self.profile}, model {self.model}): at most {total.requests} requests "
            f"({', '.join(parts)}) and {total.tokens} tokens; caps {self.caps.requests} "
            f"requests, {self.caps.tokens} tokens"
        ]
        fuzz = [c for c in self.checks if c.group == "fuzz" and c.examples]
        if fuzz:
            lines.append(
                "plan: fuzzing takes what is left: "
                + ", ".join(f"{c.id.split('::')[-1]} {c.examples} examples" for c in fuzz)
            )
        over = self.over_budget
        if over:
            lines.append(
                f"plan: {len(over)} checks do not fit the caps and will not run "
                f"(the whole plan needs {self.needed}; to fit: {self.advice()}): "
                + ", ".join(c.id.split("::")[-1] for c in over)
            )
        return lines

    def render(self) -> list[str]:
        """The whole plan, one check a line, in run order (for `--plan`)."""
        lines = [*self.summary(), ""]
        if self.overhead.requests:
            lines.append(f"{'preflight':<8} {'':<60} {self.overhead.requests:>3} req {0:>6} tok")
        width = max((len(c.id) for c in self.checks), default=10)
        for c in self.checks:
            what = f"{c.cost.requests:>3} req {c.cost.tokens:>6} tok"
            if c.examples:
                what += f"  ({c.examples} examples)"
            if c.shares:
                what += f"  shares {', '.join(c.shares)}"
            if c.status != "planned":
                what += f"  [{c.status}: {c.why}]"
            lines.append(f"{c.group:<8} {c.id:<{width}} {what}")
        return lines


@dataclass(frozen=True)
class _Walk:
    spent: Cost
    counted: frozenset[str]


def make_plan(
    specs: Sequence[CheckSpec],
    *,
    model: str,
    shared: Mapping[str, Declaration],
    caps: Cost,
    target: str = "live",
    profile: str = "full",
    fuzz_examples: int = 12,
    overhead_shares: Sequence[str] = (),
    capped_fuzz: bool = True,
) -> Plan:
    """Price `specs` (already in run order) for `model` and fit them into `caps`.

    `shared`: the named shared answers' declarations; `overhead_shares`: the shared
    answers the run fetches itself before any check (the live preflight), charged as
    overhead. Deterministic checks are fitted in order (a check that does not fit is
    left out, a later cheaper one may still fit); fuzz properties then share what is
    left, each at most `fuzz_examples` examples. With `capped_fuzz` False (the emulator
    target: free, counted but never refused) they get `fuzz_examples` each.
    """
    shared = {
        **shared,
        **{
            name: cost
            for spec in specs
            if spec.declaration is not None
            for name, cost in spec.declaration.defines.items()
        },
    }
    overhead = FREE
    for name in overhead_shares:
        overhead = overhead + shared.get(name, UNDECLARED).own_cost(model)
    walk = _Walk(overhead, frozenset(overhead_shares))
    needed_walk = _Walk(overhead, frozenset(overhead_shares))
    through: dict[str, Cost] = {}
    planned: list[PlannedCheck | None] = []
    properties: list[tuple[int, CheckSpec, Declaration]] = []
    for spec in specs:
        declaration = spec.declaration or UNDECLARED
        if spec.skipped:
            planned.append(PlannedCheck(spec.id, spec.group, FREE, (), "skips", spec.skipped))
            continue
        own = _model_of(spec, model)
        reason = declaration.skip_reason(own, spec.params)
        if reason:
            planned.append(PlannedCheck(spec.id, spec.group, FREE, (), "skips", reason))
            continue
        if declaration.is_property:
            properties.append((len(planned), spec, declaration))
            planned.append(None)
            continue
        _, needed_walk = _add(declaration, spec, own, shared, needed_walk)
        through[spec.group] = needed_walk.spent
        cost, added = _add(declaration, spec, own, shared, walk)
        if (walk.spent + cost).fits(caps):
            walk = added
            planned.append(PlannedCheck(spec.id, spec.group, cost, declaration.shares))
        else:
            why = f"needs {cost} more; {walk.spent} already planned of {caps}"
            planned.append(
                PlannedCheck(spec.id, spec.group, cost, declaration.shares, "budget", why)
            )
    example_tokens = max((d.example_tokens for _, _, d in properties), default=0)
    needed = needed_walk.spent
    if properties:
        left = Cost(caps.requests - walk.spent.requests, caps.tokens - walk.spent.tokens)
        each = _examples_each(left, len(properties), fuzz_examples, example_tokens)
        for index, spec, declaration in properties:
            wanted = Cost(fuzz_examples, fuzz_examples * declaration.example_tokens)
            needed = needed + wanted
            if fuzz_examples <= 0 or target == "replay":
                why = (
                    "replay does not run fuzz properties (random payloads match no "
                    "recording): use --target emulator or --live"
                    if target == "replay"
                    else "fuzzing is off (--fuzz-examples 0)"
                )
                planned[index] = PlannedCheck(
                    spec.id, spec.group, FREE, (), "off", why, fuzz_property=True
                )
            elif not capped_fuzz:
                planned[index] = PlannedCheck(
                    spec.id,
                    spec.group,
                    wanted,
                    (),
                    examples=fuzz_examples,
                    why="not capped: the emulator is free",
                    fuzz_property=True,
                )
            elif each <= 0:
                why = f"nothing left for fuzzing: {walk.spent} planned of {caps}"
                planned[index] = PlannedCheck(
                    spec.id, spec.group, wanted, (), "budget", why, fuzz_property=True
                )
            else:
                cost = Cost(each, each * declaration.example_tokens)
                planned[index] = PlannedCheck(
                    spec.id, spec.group, cost, (), examples=each, fuzz_property=True
                )
    checks = tuple(check for check in planned if check is not None)
    return Plan(
        model=model,
        target=target,
        profile=profile,
        caps=caps,
        overhead=overhead,
        checks=checks,
        needed=needed,
        fuzz_examples=fuzz_examples,
        example_tokens=example_tokens,
        through=through,
    )


def _model_of(spec: CheckSpec, model: str) -> str:
    """The model a check runs for: its own (`--models`: the model matrix parametrizes
    `kimi_model`), else the run's."""
    return spec.model or model


def _shared_key(name: str, model: str) -> str:
    """A shared answer is fetched once per model (`chat-tool-answer[kimi-k3]`)."""
    return f"{name}[{model}]"


def _adds(
    declaration: Declaration,
    spec: CheckSpec,
    model: str,
    shared: Mapping[str, Declaration],
    walk: _Walk,
) -> Cost:
    """What running the check adds: its own cost and the shared answers not yet paid."""
    cost = declaration.own_cost(model, spec.params)
    for name in declaration.shares:
        if name not in walk.counted and _shared_key(name, model) not in walk.counted:
            # an unknown name: priced as an undeclared check
            cost = cost + shared.get(name, UNDECLARED).own_cost(model)
    return cost


def _add(
    declaration: Declaration,
    spec: CheckSpec,
    model: str,
    shared: Mapping[str, Declaration],
    walk: _Walk,
) -> tuple[Cost, _Walk]:
    cost = _adds(declaration, spec, model, shared, walk)
    keys = {_shared_key(name, model) for name in declaration.shares}
    return cost, _Walk(walk.spent + cost, walk.counted | keys)


def _examples_each(left: Cost, properties: int, wanted: int, example_tokens: int) -> int:
    """Examples per property that fit in `left`: the same fixed number for each."""
    if wanted <= 0 or properties <= 0 or left.requests <= 0:
        return 0
    each = min(wanted, left.requests // properties)
    if example_tokens > 0:
        each = min(each, left.tokens // (properties * example_tokens))
    return max(each, 0)
