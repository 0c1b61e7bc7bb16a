"""Scenario files: YAML schema, ``extends`` inheritance and validation (scenarios/README.md).

Files are parsed with a stricter subclass of PyYAML's safe loader (no anchors, aliases,
tags or deep nesting; no duplicate keys), keeping every node's line so that an error can
name the file, the key path and the line. Inheritance deep-merges mappings key by key,
appends the child's ``shocks`` to its parent's, and replaces other values. Validation is
done by pydantic models with strict numbers (a ``true`` is never a 1); their errors are
rewritten into :class:`ScenarioProblem` objects with a did-you-mean for misspelt names.
Checks that need the record (the chair history) run after the schema, so ``validate``
refuses whatever ``run`` could not simulate.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from model.vocabulary import (
    AGENTS,
    DPRK,
    MEMBERS,
    POWERS,
    TLS_ACCESSION_QUARTER,
    InputError,
    Quarter,
)
from model.world.chairs import chair_schedule
from model.world.levers import LEVERS
from model.world.parameters import specs as parameter_specs
from model.world.shocks import ALIGNMENT_LEVER, SHOCK_TYPES

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
NAME_MAX = 64
MAX_FILE_BYTES = 1 << 20
"""Scenario files are a few kilobytes; anything over a mebibyte is refused unread."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists allowed (the schema itself needs 3)."""
LAST_YEAR = 9999
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters a text value may not contain (tab and newline are allowed)."""
NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters YAML does not allow raw in a file (PyYAML's reader would refuse them)."""


def _printable(value: str) -> str:
    if (bad := CONTROL.search(value)) is not None:
        raise ValueError(
            f"contains the control character U+{ord(bad.group()):04X} at "
            f"position {bad.start()}; expected printable text"
        )
    return value


Text = Annotated[StrictStr, AfterValidator(_printable)]
Number = StrictFloat
"""Strict: an int or a float, never a bool or a quoted string."""


def did_you_mean(word: str, choices) -> str:
    """' (did you mean X?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _names(kind: str, word: str, choices) -> str:
    return f"unknown {kind} {word!r}{did_you_mean(word, choices)}; expected one of " + ", ".join(
        map(str, choices)
    )


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
    """One dated shock; see model/world/shocks.py for the types."""

    at: str
    type: str
    actor: str | None = None
    target: str | None = None
    host: str | None = None
    magnitude: Number | None = None
    lever: str | None = None
    value: Number | None = None
    note: Text | None = None

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
                raise ValueError(
                    f"value {self.value} for lever {self.lever} is outside "
                    f"[{lever.low}, {lever.high}]"
                )
            return self
        actor = self.actor if self.actor is not None else spec.default_actor
        if actor is None:
            raise ValueError(
                f"a {self.type} shock needs an `actor`, one of " + ", ".join(spec.actors)
            )
        if actor not in spec.actors:
            raise ValueError(
                f"actor {actor!r} cannot have a {self.type} shock"
                f"{did_you_mean(actor, spec.actors)}; expected one of " + ", ".join(spec.actors)
            )
        if self.host is not None and self.host not in MEMBERS:
            raise ValueError(_names("host", self.host, MEMBERS))
        if self.magnitude is not None and not spec.low <= self.magnitude <= spec.high:
            raise ValueError(
                f"magnitude {self.magnitude} is outside [{spec.low}, {spec.high}] "
                f"({spec.magnitude_meaning})"
            )
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

    pressure: Number | None = Field(None, ge=0, le=1)
    engagement: Number | None = Field(None, ge=0, le=1)
    susceptibility: Number | None = Field(None, ge=0, le=1)
    veto: Number | None = Field(None, ge=0, le=1)
    lobbying: Number | None = Field(None, ge=0, le=3)
    relations: StrictBool | None = None


MEMBER_ONLY = ("susceptibility", "veto", "relations")
POWER_ONLY = ("lobbying",)


class Scenario(_Strict):
    """A validated, fully resolved scenario (after ``extends``)."""

    name: StrictStr
    title: Text = Field(min_length=1)
    description: Text = Field(min_length=1)
    period: Period
    replicates: StrictInt = Field(100, ge=1, le=1_000_000)
    seed: StrictInt = Field(2024, ge=0)
    chairs: dict[StrictInt, StrictStr] = Field(default_factory=dict)
    levers: dict[str, Number] = Field(default_factory=dict)
    shocks: tuple[ShockSpec, ...] = ()
    actors: dict[str, ActorOverride] = Field(default_factory=dict)
    parameters: dict[str, Number] = Field(default_factory=dict)
    sweep: dict[str, tuple[Number, Number]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if len(value) > NAME_MAX or not SLUG.fullmatch(value):
            raise ValueError(
                f"{_short(value)} is not a slug: expected 1-{NAME_MAX} lower-case "
                "letters, digits, - and _, starting with a letter or digit"
            )
        return value

    @field_validator("chairs")
    @classmethod
    def _chairs(cls, value: dict[int, str]) -> dict[int, str]:
        for year, code in value.items():
            if code not in MEMBERS:
                raise ValueError(f"chair of {year}: " + _names("member", code, MEMBERS))
            if not 0 < year <= LAST_YEAR:
                raise ValueError(f"year {year} is out of range; expected a year like 2027")
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
                raise ValueError(
                    f"sweep range {name} = [{low}, {high}] must be increasing and "
                    f"inside [{lever.low}, {lever.high}]"
                )
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
                raise ValueError(
                    f"parameter {name} = {number} is outside [{spec.low}, {spec.high}]"
                )
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
    def _consistent(self) -> Scenario:
        if problems := _inconsistencies(self):
            raise _Inconsistent(problems)
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
        """A validated copy with some top-level keys replaced (e.g. replicates, seed).

        Bad changes (a negative ``--seed``) raise :class:`ScenarioError`, not a traceback.
        """
        where = f"{self.name} (with {', '.join(sorted(changes))} changed)"
        try:
            return Scenario.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise ScenarioError(
                [
                    ScenarioProblem(where, _key_text(loc), None, message)
                    for loc, message in _validation_problems(exc)
                ]
            ) from None
        except _Inconsistent as exc:
            raise ScenarioError(
                [
                    ScenarioProblem(where, _key_text(loc), None, message)
                    for loc, message in exc.problems
                ]
            ) from None


class _Inconsistent(Exception):
    """Cross-key problems found after the schema passed (not a ValueError, so pydantic
    lets it through with its key paths intact for :func:`load_scenario` to place)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]):
        super().__init__(problems)
        self.problems = problems


WARM_START_LATEST = "2026Q1"
"""The latest start a scenario may have: the quarter after history ends
(model/world/warmstart.py)."""


def _inconsistencies(s: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """What the schema allows but a run could not simulate, as (key path, message).

    The period must start within the record's chair history (the model rotates from the
    last recorded chair and derives its starting state from the record) and by
    2026Q1 (a later scenario would have no history to start from); shocks fall
    inside the period; Timor-Leste chairs (by ``chairs``, the rotation or a
    ``chair_change``) only from the year after its accession (2025Q4, or the quarter of
    the scenario's own ``accession`` shock).
    """
    from model.world.initial import recorded_chairs  # the record: loaded once, only when needed

    problems: list[tuple[tuple[Any, ...], str]] = []
    start, end = s.start, s.end
    years = range(start.year, end.year + 1)
    recorded = recorded_chairs()
    if recorded and start.year < min(recorded):
        first = min(recorded)
        problems.append(
            (
                ("period", "start"),
                f"{start} is before {first}, the first year of "
                f"the record's chair history (seeds/chairs.csv); expected {first}Q1 "
                "or later",
            )
        )
    latest = Quarter.parse(WARM_START_LATEST)
    if start > latest:
        problems.append(
            (
                ("period", "start"),
                f"{start} is after {latest}: a scenario starts where history "
                "(scenarios/history.yaml, to 2025Q4) leaves off; expected a start "
                f"by {latest} (run a later question with shocks dated later)",
            )
        )
    for year in s.chairs:
        if recorded and year < min(recorded):
            problems.append(
                (
                    ("chairs", year),
                    f"year {year} is before the record's chair "
                    f"history ({min(recorded)}-); expected a year in the period "
                    f"{start}-{end}",
                )
            )
    for i, shock in enumerate(s.shocks):
        if not start <= shock.quarter <= end:
            problems.append(
                (
                    ("shocks", i, "at"),
                    f"shock {shock.type} at {shock.at} is "
                    f"outside the period {start}-{end}; expected a quarter in it",
                )
            )
    if problems:
        return problems

    joins = [
        (i, sh) for i, sh in enumerate(s.shocks) if sh.type == "accession" and sh.actor == "TLS"
    ]
    accession = joins[0][1].quarter if joins else Quarter.parse(TLS_ACCESSION_QUARTER)
    by = "the scenario's accession shock" if joins else "its admission on 26 October 2025"
    first_tls = accession.year + 1
    why = (
        f"Timor-Leste joins ASEAN in {accession} ({by}), so it can chair from "
        f"{first_tls} at the earliest"
    )
    for year, code in s.chairs.items():
        if code == "TLS" and year in years and year < first_tls:
            problems.append(
                (
                    ("chairs", year),
                    f"TLS cannot chair in {year}: {why}; expected "
                    "another member, or an earlier `accession` shock for TLS",
                )
            )
    try:
        schedule = chair_schedule(years, {**recorded, **s.chairs})
    except ValueError as exc:
        problems.append(
            (
                ("period", "start"),
                f"{exc}; expected a start within the record's chair history (seeds/chairs.csv)",
            )
        )
        schedule = {}
    for year, code in schedule.items():
        if code == "TLS" and year < first_tls and year not in s.chairs:
            source = "the record" if year in recorded else "the rotation"
            loc = ("shocks", joins[0][0], "at") if joins else ("period",)
            problems.append(
                (
                    loc,
                    f"{source} gives TLS the chair in {year}, but {why}; "
                    f"expected `chairs: {{{year}: ...}}` naming another member",
                )
            )
    for i, shock in enumerate(s.shocks):
        if shock.type == "chair_change" and shock.actor == "TLS" and shock.quarter.year < first_tls:
            problems.append(
                (
                    ("shocks", i, "actor"),
                    f"TLS cannot take the chair in {shock.at}: {why}; expected another member",
                )
            )
    return problems


@dataclass(frozen=True)
class ScenarioProblem:
    """One problem in a scenario file."""

    file: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return _one_line(f"{where}: {self.key or '(top level)'}: {self.message}")


def _one_line(text: str) -> str:
    """``text`` with any line break escaped: one problem, one line of output."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\t" else repr(c)[1:-1] for c in text)


class ScenarioError(InputError):
    """A scenario could not be loaded; ``problems`` lists what and where."""

    def __init__(self, problems: list[ScenarioProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


Path_ = tuple[Any, ...]


def _short(value: Any, limit: int = 40) -> str:
    """repr() of a value, cut to ``limit`` characters (a value may be a megabyte long)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key_text(loc: Path_) -> str:
    """'shocks[0].type', 'chairs.2027', 'levers.us_pressure': a key path as users write it."""
    if len(loc) > 8:
        return _key_text(loc[:4]) + f"... ({len(loc)} levels)"
    text = ""
    for i, part in enumerate(loc):
        if isinstance(part, int) and not (i == 1 and loc[0] == "chairs"):
            text += f"[{part}]"
        else:
            name = part if isinstance(part, str) and part.isprintable() else repr(part)
            text += f".{name}" if i else str(name)
    return text


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that scenario files refuse; ``loc`` is the key path where it was found."""

    def __init__(self, problem: str, mark: yaml.Mark, loc: Path_) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.loc = loc


class ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing at compose time what no scenario needs.

    Anchors and aliases are refused outright (a 300-byte alias bomb would otherwise
    expand to gigabytes), as are explicit tags (``!!int 5``, ``!!python/...``): every
    value is plain YAML. Nesting is capped at :data:`MAX_DEPTH` before recursing, so a
    deeply nested file is an error, not a RecursionError.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.path: list[Any] = []  # key path of the node being composed, for messages

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if isinstance(parent, yaml.SequenceNode):
            self.path.append(index)
        elif isinstance(parent, yaml.MappingNode):
            self.path.append(index.value if isinstance(index, yaml.ScalarNode) else "(a key)")
        try:
            return self._compose_checked(parent, index)
        finally:
            if parent is not None:
                self.path.pop()

    def _compose_checked(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        plain = "scenario files may not use anchors or aliases; write the value out"
        if isinstance(event, yaml.AliasEvent):
            self._refuse(f"alias *{event.anchor} is not allowed: {plain}", event)
        if event.anchor is not None:
            self._refuse(f"anchor &{event.anchor} is not allowed: {plain}", event)
        if event.tag is not None:
            self._refuse(
                f"explicit tag {event.tag!r} is not allowed; expected a plain value "
                "(write 5, not !!int 5)",
                event,
            )
        if (
            isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
            and len([p for p in self.path if p != "(a key)"]) >= MAX_DEPTH
        ):
            self._refuse(
                f"nested more than {MAX_DEPTH} levels deep; expected the flat "
                "structure of a scenario",
                event,
            )
        return super().compose_node(parent, index)

    def _refuse(self, problem: str, event: yaml.Event) -> None:
        raise _Refused(problem, event.start_mark, tuple(self.path))

    def fetch_flow_collection_start(self, token_class: type) -> None:
        """Refuse deep ``[[[...`` already while scanning: PyYAML's scanner looks up to 1024
        characters ahead for a possible key, at a cost that grows with the nesting."""
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(
                f"nested more than {MAX_DEPTH} levels deep; expected the flat structure of a "
                "scenario",
                self.get_mark(),
                tuple(self.path),
            )
        super().fetch_flow_collection_start(token_class)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 text of the file; a bad byte is reported by offset, line and column."""
    shown = _display(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            [
                ScenarioProblem(
                    shown,
                    "",
                    line,
                    f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start} (line {line}, column {column}) {exc.reason}; "
                    "expected a UTF-8 file",
                )
            ]
        ) from None
    bad = [(m.start(), m.group()) for m in NOT_PRINTABLE.finditer(text)][:5]
    if bad:
        problems = []
        for offset, char in bad:
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            problems.append(
                ScenarioProblem(
                    shown,
                    "",
                    line,
                    f"column {column}: control character U+{ord(char):04X} is "
                    "not allowed; expected printable text (tabs and newlines are fine)",
                )
            )
        raise ScenarioError(problems)
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"


_MERGE_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _build(
    loader: ScenarioLoader,
    node: yaml.Node,
    path: Path_,
    lines: dict[Path_, int],
    problems: list[tuple[Path_, int, str]],
) -> Any:
    """Construct ``node`` into plain data, recording each key path's line and every
    problem (bad or duplicate keys, unreadable values). Depth is capped by the loader."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = _build_key(loader, key_node, path, problems)
            if key is _BAD:
                continue
            if key in first:
                problems.append(
                    (
                        (*path, key),
                        line,
                        f"duplicate key {key!r}: first on line "
                        f"{first[key]}, again on line {line}; expected each key once",
                    )
                )
                continue
            first[key] = line
            lines[(*path, key)] = line
            out[key] = _build(loader, value_node, (*path, key), lines, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*path, i), lines, problems) for i, item in enumerate(node.value)
        ]
    if node.tag in _MERGE_TAGS:
        problems.append(
            (
                path,
                node.start_mark.line + 1,
                f"{node.value!r} is not allowed as a value; expected plain text",
            )
        )
        return None
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problems.append(
            (path, node.start_mark.line + 1, f"cannot read the value {_short(node.value)}: {exc}")
        )
        return None


_BAD = object()


def _build_key(
    loader: ScenarioLoader, node: yaml.Node, path: Path_, problems: list[tuple[Path_, int, str]]
) -> Any:
    """A mapping key: text, or a year (integer) directly under ``chairs``."""
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.ScalarNode):
        problems.append((path, line, "a key must be a plain name, not a list or a mapping"))
        return _BAD
    if node.tag in _MERGE_TAGS:
        problems.append(
            (path, line, f"merge key {node.value!r} is not allowed; write the keys out")
        )
        return _BAD
    try:
        key = loader.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problems.append((path, line, f"cannot read the key {_short(node.value)}: {exc}"))
        return _BAD
    if path == ("chairs",):
        if isinstance(key, int) and not isinstance(key, bool):
            return key
        expected = "a year written as a number, like 2027"
    elif isinstance(key, str):
        return key
    else:
        expected = "a name (text)"
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    problems.append(
        ((*path, shown), line, f"key {_short(node.value)} is {_kind(key)}; expected {expected}")
    )
    return _BAD


def _parse_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Data and a map from key path to 1-based line, via :class:`ScenarioLoader`."""
    shown = _display(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([ScenarioProblem(shown, "", None, f"cannot read: {exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            [
                ScenarioProblem(
                    shown,
                    "",
                    None,
                    f"is larger than {MAX_FILE_BYTES} bytes; expected a small scenario file",
                )
            ]
        )
    result, lines = _parse_bytes(path, data)
    return copy.deepcopy(result), dict(lines)


@lru_cache(maxsize=32)
def _parse_bytes(path: Path, data: bytes) -> tuple[dict[str, Any], dict[Path_, int]]:
    """Parse one file's bytes; cached by content, as a parent such as baseline.yaml is
    read again for every scenario that extends it (callers get copies)."""
    shown = _display(path)
    text = _decode(path, data)
    loader = ScenarioLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        problems: list[tuple[Path_, int, str]] = []
        result = _build(loader, node, (), lines, problems) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        key = _key_text(exc.loc) if isinstance(exc, _Refused) else ""
        raise ScenarioError(
            [
                ScenarioProblem(
                    shown,
                    key,
                    mark.line + 1 if mark else None,
                    f"invalid YAML: {exc.problem}{context}",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # the reader's (unmarked) errors
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise ScenarioError([ScenarioProblem(shown, "", line, f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise ScenarioError(
            [ScenarioProblem(shown, _key_text(p), line, message) for p, line, message in problems]
        )
    if result is not None and not isinstance(result, dict):
        raise ScenarioError(
            [
                ScenarioProblem(
                    shown, "", 1, f"expected a mapping of scenario keys, got {_kind(result)}"
                )
            ]
        )
    return result or {}, lines


@dataclass
class _Located:
    data: dict[str, Any]
    where: dict[Path_, tuple[str, int]]  # key path -> (file, line)


def _merge(parent: _Located, child: _Located) -> _Located:
    """Deep-merge ``child`` over ``parent``; shocks append, other lists replace."""
    where = dict(parent.where)
    shocks = parent.data.get("shocks"), child.data.get("shocks")
    appended = all(isinstance(x, list) for x in shocks)
    offset = len(shocks[0]) if appended else 0

    def merge(a: Any, b: Any, path: Path_) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                out[key] = merge(a[key], value, (*path, key)) if key in a else value
            return out
        if path == ("shocks",) and appended:
            return a + b
        return b

    for path, loc in child.where.items():
        if len(path) >= 2 and path[0] == "shocks" and isinstance(path[1], int):
            path = ("shocks", path[1] + offset, *path[2:])
        where[path] = loc
    data = merge(parent.data, child.data, ())
    data.pop("extends", None)
    if appended and "period" in child.data:
        data, where = _drop_inherited_outside(data, where, offset)
    return _Located(data, where)


def _drop_inherited_outside(
    data: dict[str, Any], where: dict[Path_, tuple[str, int]], inherited: int
) -> tuple[dict[str, Any], dict[Path_, tuple[str, int]]]:
    """A child that sets its own period drops the parent's shocks dated outside it (the
    parent's later events do not happen in a shorter question); its own shocks stay and
    are checked."""
    period = data.get("period")
    try:
        start, end = Quarter.parse(period["start"]), Quarter.parse(period["end"])
    except (TypeError, KeyError, ValueError):
        return data, where  # the schema reports a bad period
    kept: dict[int, int] = {}
    shocks = []
    for i, shock in enumerate(data["shocks"]):
        try:
            outside = i < inherited and not start <= Quarter.parse(shock["at"]) <= end
        except (TypeError, KeyError, ValueError):
            outside = False
        if not outside:
            kept[i] = len(shocks)
            shocks.append(shock)
    moved: dict[Path_, tuple[str, int]] = {}
    for path, loc in where.items():
        if len(path) >= 2 and path[0] == "shocks" and isinstance(path[1], int):
            if path[1] not in kept:
                continue
            path = ("shocks", kept[path[1]], *path[2:])
        moved[path] = loc
    return {**data, "shocks": shocks}, moved


def _display(path: Path) -> str:
    """The path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def scenario_root(top: Path) -> Path:
    """The folder ``extends`` may reach from ``top``: the nearest enclosing folder named
    ``scenarios`` (so classroom exercises can extend the shipped files), else the
    folder of the file itself."""
    folder = top.resolve().parent
    for candidate in (folder, *folder.parents):
        if candidate.name == "scenarios":
            return candidate
    return folder


def _parent_file(name: Any, path: Path, root: Path) -> tuple[Path | None, str]:
    """The file ``extends: name`` in ``path`` names, or None and what is wrong with it."""
    folder = _display(root)
    folder = "the current folder" if folder == "." else f"{folder}/"
    expected = (
        f"expected a relative path to a .yaml file inside {folder} (like "
        "baseline.yaml or ../../baseline.yaml)"
    )
    if not isinstance(name, str) or not name.strip():
        return None, f"got {_kind(name)}; {expected}"
    if "\0" in name or "\\" in name or len(name) > 255:
        return None, f"{_short(name)} is not a usable path; {expected}"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).drive or name.startswith("~"):
        return None, f"{_short(name)} is an absolute path; {expected}"
    if PurePosixPath(name).suffix not in (".yaml", ".yml"):
        return None, f"{_short(name)} is not a .yaml file; {expected}"
    try:
        target = (path.parent / name).resolve()
        inside = target.is_relative_to(root)
        exists = inside and target.is_file()
    except (OSError, RuntimeError, ValueError) as exc:
        return None, f"{_short(name)} cannot be opened ({exc}); {expected}"
    if not inside:
        return None, f"{_short(name)} leads outside the scenario folder; {expected}"
    if not exists:
        return None, f"file {_short(name)} not found next to it; {expected}"
    return target, ""


def _load_located(path: Path, chain: tuple[Path, ...], root: Path) -> _Located:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(
            [ScenarioProblem(_display(chain[-1]), "extends", None, f"inheritance cycle: {cycle}")]
        )
    data, lines = _parse_yaml(path)
    shown = _display(path)
    located = _Located(data, {p: (shown, line) for p, line in lines.items()})
    if "extends" not in data:
        return located
    parent, problem = _parent_file(data["extends"], path, root)
    if parent is None:
        raise ScenarioError([ScenarioProblem(shown, "extends", lines.get(("extends",)), problem)])
    return _merge(_load_located(parent, (*chain, path), root), located)


def _message(error: dict[str, Any], loc: Path_) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _MODEL_AT.get(_shape(loc[:-1]), Scenario)
        return _names("key", loc[-1], list(model.model_fields))
    if kind == "missing":
        return "is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    if (
        kind != "value_error"
        and "input" in error
        and not isinstance(error["input"], dict | list | tuple)
    ):
        message += f", got {_short(error['input'])}"
    return message


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
    (): Scenario,
    ("period",): Period,
    ("shocks", "*"): ShockSpec,
    ("actors", "*"): ActorOverride,
}


def _locate(
    where: dict[Path_, tuple[str, int]], loc: Path_, fallback: str
) -> tuple[str, int | None]:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in where:
            return where[loc[:cut]]
    return fallback, None


def _validation_problems(exc: ValidationError) -> list[tuple[Path_, str]]:
    """pydantic's errors as (key path, message), without its internal path parts."""
    out = []
    for error in exc.errors():
        loc = tuple(
            part
            for part in error["loc"]
            if not str(part).startswith("function-") and part != "[key]"
        )
        out.append((loc, _message(error, loc)))
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file; raise :class:`ScenarioError` on problems."""
    path = Path(path)
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise ScenarioError(
            [ScenarioProblem(str(path), "", None, "file not found; expected a scenario .yaml file")]
        )
    top = _display(path.resolve())
    located = _load_located(path, (), scenario_root(path))
    from model.world.initial import recorded_chairs

    recorded_chairs()  # a broken record is reported as such (RecordError), not as this file's
    try:
        scenario = Scenario.model_validate(located.data)
        found_problems = _own_chairs_outside(scenario, located.where, top)
    except ValidationError as exc:
        found_problems = _validation_problems(exc)
    except _Inconsistent as exc:
        found_problems = exc.problems
    if not found_problems:
        return scenario
    problems = []
    for loc, message in found_problems:
        file, line = _locate(located.where, loc, top)
        problems.append(ScenarioProblem(file, _key_text(loc), line, message))
    raise ScenarioError(problems)


def _own_chairs_outside(
    s: Scenario, where: dict[Path_, tuple[str, int]], top: str
) -> list[tuple[Path_, str]]:
    """Chair years outside the period, when written in the file itself (a child that
    shortens its parent's period may inherit chairs it does not simulate)."""
    return [
        (
            ("chairs", year),
            f"year {year} is outside the period {s.start}-{s.end}; expected a year in it",
        )
        for year in s.chairs
        if not s.start.year <= year <= s.end.year and where.get(("chairs", year), (top,))[0] == top
    ]
