"""Scenario files: YAML schema, ``extends`` inheritance and validation (DESIGN.md section 5).

Files are parsed with PyYAML's safe loader, keeping every node's line so that an error
can name the file, the key path and the line. Inheritance deep-merges mappings key by
key, appends the child's ``shocks`` to its parent's, and replaces other values.
Validation is done by pydantic models; their errors are rewritten into
:class:`ScenarioProblem` objects with a did-you-mean for misspelt names.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.codes import AGENTS, DPRK, MEMBERS, POWERS
from model.errors import InputError
from model.levers import LEVERS
from model.parameters import specs as parameter_specs
from model.quarters import Quarter
from model.shocks import ALIGNMENT_LEVER, SHOCK_TYPES

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def did_you_mean(word: str, choices) -> str:
    """' (did you mean X?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _names(kind: str, word: str, choices) -> str:
    return f"unknown {kind} {word!r}{did_you_mean(word, choices)}; expected one of " + ", ".join(
        map(str, choices))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """First and last simulated quarter, inclusive."""

    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return str(Quarter.parse(value))

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if Quarter.parse(self.start) > Quarter.parse(self.end):
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class ShockSpec(_Strict):
    """One dated shock; see model/shocks.py for the types."""

    at: str
    type: str
    actor: str | None = None
    target: str | None = None
    host: str | None = None
    magnitude: float | None = None
    lever: str | None = None
    value: float | None = None
    note: str | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return str(Quarter.parse(value))

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SHOCK_TYPES:
            raise ValueError(_names("shock type", value, SHOCK_TYPES))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ShockSpec:
        spec = SHOCK_TYPES[self.type]
        if self.type == "lever":
            if self.lever is None or self.value is None:
                raise ValueError("a lever shock needs `lever` and `value`")
            if self.lever not in LEVERS:
                raise ValueError(_names("lever", self.lever, LEVERS))
            lever = LEVERS[self.lever]
            if not lever.low <= self.value <= lever.high:
                raise ValueError(f"value {self.value} for lever {self.lever} is outside "
                                 f"[{lever.low}, {lever.high}]")
            return self
        actor = self.actor if self.actor is not None else spec.default_actor
        if actor is None:
            raise ValueError(f"a {self.type} shock needs an `actor`, one of "
                             + ", ".join(spec.actors))
        if actor not in spec.actors:
            raise ValueError(f"actor {actor!r} cannot have a {self.type} shock"
                             f"{did_you_mean(actor, spec.actors)}; expected one of "
                             + ", ".join(spec.actors))
        if self.host is not None and self.host not in MEMBERS:
            raise ValueError(_names("host", self.host, MEMBERS))
        if self.magnitude is not None and not spec.low <= self.magnitude <= spec.high:
            raise ValueError(f"magnitude {self.magnitude} is outside [{spec.low}, {spec.high}] "
                             f"({spec.magnitude_meaning})")
        object.__setattr__(self, "actor", actor)
        if self.magnitude is None:
            object.__setattr__(self, "magnitude", spec.magnitude)
        return self

    @property
    def quarter(self) -> Quarter:
        return Quarter.parse(self.at)

    @property
    def alignment_lever(self) -> str | None:
        return ALIGNMENT_LEVER.get(self.actor or "")


class ActorOverride(_Strict):
    """Per-actor overrides of the starting state."""

    pressure: float | None = Field(None, ge=0, le=1)
    engagement: float | None = Field(None, ge=0, le=1)
    susceptibility: float | None = Field(None, ge=0, le=1)
    veto: float | None = Field(None, ge=0, le=1)
    lobbying: float | None = Field(None, ge=0, le=3)
    relations: bool | None = None


MEMBER_ONLY = ("susceptibility", "veto", "relations")
POWER_ONLY = ("lobbying",)


class Scenario(_Strict):
    """A validated, fully resolved scenario (after ``extends``)."""

    name: str
    title: str
    description: str
    period: Period
    replicates: int = Field(100, ge=1, le=1_000_000)
    seed: int = Field(2024, ge=0)
    chairs: dict[int, str] = Field(default_factory=dict)
    levers: dict[str, float] = Field(default_factory=dict)
    shocks: tuple[ShockSpec, ...] = ()
    actors: dict[str, ActorOverride] = Field(default_factory=dict)
    parameters: dict[str, float] = Field(default_factory=dict)
    sweep: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits, - and _)")
        return value

    @field_validator("chairs")
    @classmethod
    def _chairs(cls, value: dict[int, str]) -> dict[int, str]:
        for year, code in value.items():
            if code not in MEMBERS:
                raise ValueError(f"chair of {year}: " + _names("member", code, MEMBERS))
        return value

    @field_validator("levers")
    @classmethod
    def _levers(cls, value: dict[str, float]) -> dict[str, float]:
        for name, number in value.items():
            if name not in LEVERS:
                raise ValueError(_names("lever", name, LEVERS))
            lever = LEVERS[name]
            if not lever.low <= number <= lever.high:
                raise ValueError(f"lever {name} = {number} is outside [{lever.low}, {lever.high}]")
        return value

    @field_validator("sweep")
    @classmethod
    def _sweep(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (low, high) in value.items():
            if name not in LEVERS:
                raise ValueError(_names("lever", name, LEVERS))
            lever = LEVERS[name]
            if not lever.low <= low < high <= lever.high:
                raise ValueError(f"sweep range {name} = [{low}, {high}] must be increasing and "
                                 f"inside [{lever.low}, {lever.high}]")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, value: dict[str, float]) -> dict[str, float]:
        table = parameter_specs()
        for name, number in value.items():
            if name not in table:
                raise ValueError(_names("parameter", name, table))
            spec = table[name]
            if not spec.low <= number <= spec.high:
                raise ValueError(f"parameter {name} = {number} is outside "
                                 f"[{spec.low}, {spec.high}]")
        return value

    @field_validator("actors")
    @classmethod
    def _actors(cls, value: dict[str, ActorOverride]) -> dict[str, ActorOverride]:
        for code, override in value.items():
            if code not in AGENTS:
                raise ValueError(_names("actor", code, AGENTS))
            used = override.model_dump(exclude_none=True)
            if code not in MEMBERS and (bad := [k for k in MEMBER_ONLY if k in used]):
                raise ValueError(f"{code}: {', '.join(bad)} applies to ASEAN members only")
            if code not in POWERS and (bad := [k for k in POWER_ONLY if k in used]):
                raise ValueError(f"{code}: lobbying applies to outside powers only")
            if code == DPRK and used:
                raise ValueError("PRK's stance is fixed; change the dprk_* levers instead")
        return value

    @model_validator(mode="after")
    def _shocks_in_period(self) -> Scenario:
        start, end = Quarter.parse(self.period.start), Quarter.parse(self.period.end)
        for shock in self.shocks:
            if not start <= shock.quarter <= end:
                raise ValueError(f"shock {shock.type} at {shock.at} is outside the period "
                                 f"{start}-{end}")
        return self

    @property
    def start(self) -> Quarter:
        return Quarter.parse(self.period.start)

    @property
    def end(self) -> Quarter:
        return Quarter.parse(self.period.end)

    def resolved(self) -> dict[str, Any]:
        """The scenario as plain JSON-ready data (written to every manifest)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario, for matching results to scenarios."""
        text = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_changes(self, **changes: Any) -> Scenario:
        """A validated copy with some top-level keys replaced (e.g. replicates, seed)."""
        return Scenario.model_validate({**self.resolved(), **changes})


@dataclass(frozen=True)
class ScenarioProblem:
    """One problem in a scenario file."""

    file: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.key or '(top level)'}: {self.message}"


class ScenarioError(InputError):
    """A scenario could not be loaded; ``problems`` lists what and where."""

    def __init__(self, problems: list[ScenarioProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


Path_ = tuple[Any, ...]


def _parse_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Data and a map from key path to 1-based line, via the safe loader."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([ScenarioProblem(str(path), "", None, f"cannot read: {exc}")]) from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ScenarioError([ScenarioProblem(str(path), "", line,
                                             f"invalid YAML: {getattr(exc, 'problem', exc)}")]
                            ) from exc
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}

    def walk(n: yaml.Node, prefix: Path_) -> None:
        lines[prefix] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key = loader_key(key_node)
                lines[(*prefix, key)] = key_node.start_mark.line + 1
                walk(value_node, (*prefix, key))
                lines[(*prefix, key)] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*prefix, i))

    def loader_key(key_node: yaml.Node) -> Any:
        value = key_node.value
        return int(value) if isinstance(value, str) and value.isdigit() else value

    if node is not None:
        walk(node, ())
    if data is not None and not isinstance(data, dict):
        raise ScenarioError([ScenarioProblem(str(path), "", 1,
                                             "expected a mapping of scenario keys")])
    return data or {}, lines


@dataclass
class _Located:
    data: dict[str, Any]
    where: dict[Path_, tuple[str, int]]  # key path -> (file, line)


def _merge(parent: _Located, child: _Located) -> _Located:
    """Deep-merge ``child`` over ``parent``; shocks append, other lists replace."""
    where = dict(parent.where)
    offset = len(parent.data.get("shocks") or [])

    def merge(a: Any, b: Any, path: Path_) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                out[key] = merge(a[key], value, (*path, key)) if key in a else value
            return out
        if path == ("shocks",) and isinstance(a, list) and isinstance(b, list):
            return a + b
        return b

    for path, loc in child.where.items():
        if len(path) >= 2 and path[0] == "shocks" and isinstance(path[1], int):
            path = ("shocks", path[1] + offset, *path[2:])
        where[path] = loc
    data = merge(parent.data, child.data, ())
    data.pop("extends", None)
    return _Located(data, where)


def _display(path: Path) -> str:
    """The path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _load_located(path: Path, chain: tuple[Path, ...]) -> _Located:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([ScenarioProblem(str(chain[-1]), "extends", None,
                                             f"inheritance cycle: {cycle}")])
    data, lines = _parse_yaml(path)
    shown = _display(path)
    located = _Located(data, {p: (shown, line) for p, line in lines.items()})
    parent_name = data.get("extends")
    if parent_name is None:
        return located
    if not isinstance(parent_name, str):
        raise ScenarioError([ScenarioProblem(str(path), "extends", lines.get(("extends",)),
                                             "expected a file name relative to this file")])
    parent_path = path.parent / parent_name
    if not parent_path.is_file():
        raise ScenarioError([ScenarioProblem(str(path), "extends", lines.get(("extends",)),
                                             f"file {parent_name!r} not found next to it")])
    return _merge(_load_located(parent_path, (*chain, path)), located)


def _message(error: dict[str, Any], loc: Path_) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _MODEL_AT.get(_shape(loc[:-1]), Scenario)
        return _names("key", loc[-1], list(model.model_fields))
    if kind == "missing":
        return "is required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _shape(loc: Path_) -> Path_:
    """Key path with indexes and free-form keys generalised, to find the sub-model."""
    if not loc:
        return ()
    if loc[0] == "shocks" and len(loc) >= 2:
        return ("shocks", "*")
    if loc[0] == "actors" and len(loc) >= 2:
        return ("actors", "*")
    return loc


_MODEL_AT: dict[Path_, type[BaseModel]] = {
    (): Scenario, ("period",): Period, ("shocks", "*"): ShockSpec, ("actors", "*"): ActorOverride,
}


def _locate(where: dict[Path_, tuple[str, int]], loc: Path_, fallback: str
            ) -> tuple[str, int | None]:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in where:
            return where[loc[:cut]]
    return fallback, None


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file; raise :class:`ScenarioError` on problems."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([ScenarioProblem(str(path), "", None, "file not found")])
    located = _load_located(path, ())
    try:
        return Scenario.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            loc = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in loc)
            file, line = _locate(located.where, loc, _display(path.resolve()))
            key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
            problems.append(ScenarioProblem(file, key.replace(".[", "["), line,
                                            _message(error, loc)))
        raise ScenarioError(problems) from None
