"""Policies as text: TOML files and plain dicts, to and from `Policy`.

The text form maps one-to-one onto the Python objects: `loads`/`load` read
TOML, `from_dict` reads the same shape from a dict (a host's JSON column),
`to_dict` and `dump` write it back. Every reference is checked while loading,
so a policy that loads is a policy that evaluates; every mistake is a
`PolicySyntaxError` with file, line and column (a JSON path for dicts).

Policy text is untrusted input: it is never executed; its size, the number of
rules, the nesting of groups and each condition's length and depth are
bounded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import IO, Any, Final

from .._conditions.paths import validate_path
from .._engine.policy import Policy
from .._exceptions import PolicyError, PolicySyntaxError
from .._model.events import Status
from .._model.names import to_enum
from .._suggest import did_you_mean
from .._time.calendar import BusinessCalendar
from .._time.clocks import BusinessClock, WallClock
from .locator import Locator, Path_, nesting_error, number_error, toml_error
from .parameters import Scalar, as_path, declared, is_policy_text, resolve
from .read_parts import PartsReader
from .read_rules import RulesReader
from .schedule_file import SchedulesReader
from .shapes import kind_of_value

MAX_BYTES: Final = 4 * 1024 * 1024
"""The largest policy text accepted (4 MiB)."""

MAX_KEY_PARTS: Final = 32
"""The most parts a dotted key or a table header may have (``a.b.c`` has 3). The TOML
parser's time grows with the square of a key's parts; no policy needs more than a few."""


class _Reader(PartsReader, RulesReader, SchedulesReader):
    """Builds a Policy from the dict form, turning every error into a located one."""

    def __init__(self, source: str, locator: Locator | None) -> None:
        super().__init__(source, locator)
        # The path of each "$name" reference -> the parameter's name, to say where a bad
        # value came from.
        self.references: dict[Path_, str] = {}

    def error(
        self,
        path: Path_,
        message: str,
        *,
        value: object = None,
        suggestion: str | None = None,
        expected: str | None = None,
        where: str | None = None,
    ) -> PolicyError:
        """`Shapes.error`, naming the parameter when *path* holds a ``"$name"`` reference."""
        name = self.references.get(path)
        if name is not None:
            message = f"{message} (the value of the parameter {name!r})"
        return super().error(
            path, message, value=value, suggestion=suggestion, expected=expected, where=where
        )

    def policy(self, data: object) -> Policy:
        top = self.table(data, (), _TOP_KEYS)
        head = self.table(top.get("policy", {}), ("policy",), _HEAD_KEYS)
        settings = {
            k: self.optional_string(head.get(k), ("policy", k))
            for k in _HEAD_KEYS
            if k not in ("calendar_fields", "supersede_warnings")
        }
        supersede = self.flag(
            head.get("supersede_warnings", True), ("policy", "supersede_warnings")
        )
        calendar_fields = self.field_paths(head, settings)
        calendars = {
            name: self.calendar(spec, ("calendars", name))
            for name, spec in self.mapping(top.get("calendars", {}), ("calendars",)).items()
        }
        clock = self.policy_clock(settings["clock"], calendars)
        self._clock_specs = self.mapping(top.get("clocks", {}), ("clocks",))
        clocks = [
            self.clock_def(name, spec, ("clocks", name)) for name, spec in self._clock_specs.items()
        ]
        self.calendar_names = list(calendars)
        self.calendar_in_effect = (
            settings["calendar"] is not None
            or settings["calendar_field"] is not None
            or bool(calendar_fields)
            or self.business_clock
            or _names_a_calendar(top["levels"])
            or _names_a_calendar(top.get("slas"))
        )
        self._targets_spec = top.get("targets", {})
        targets = self.targets(self._targets_spec, ("targets",))
        slas = self.slas(top.get("slas", []))
        schedules = self.schedules(top.get("schedules", {}))
        levels = self.levels(top["levels"])
        rules = self.rules(top.get("rules", []))
        kwargs: dict[str, Any] = {
            "match": settings["match"] or "all",
            "status_map": self.status_map(top.get("status_map", {})),
            "clock": clock,
            "clocks": clocks,
            "calendars": calendars,
            "calendar": settings["calendar"],
            "calendar_field": settings["calendar_field"],
            "calendar_fields": calendar_fields,
            "zone_field": settings["zone_field"],
            "targets": targets,
            "slas": slas,
            "supersede_warnings": supersede,
            "schedules": schedules,
            "name": settings["name"] or "policy",
            "version": settings["version"],
        }
        try:
            return Policy(levels, rules, **kwargs)
        except PolicyError as exc:
            raise self.wrap(self._blame(exc), exc) from None

    def field_path(self, value: str, path: Path_) -> None:
        """Check the dotted issue field *value* (``calendar_field``, ``zone_field``, ...)."""
        try:
            validate_path(value)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def field_paths(self, head: dict[str, Any], settings: dict[str, str | None]) -> list[str]:
        """Check ``calendar_field`` and ``zone_field``; return ``calendar_fields``."""
        for key in ("calendar_field", "zone_field"):
            field = settings[key]
            if field is not None:
                self.field_path(field, ("policy", key))
        calendar_fields = self.strings(
            head.get("calendar_fields", []), ("policy", "calendar_fields")
        )
        for i, path in enumerate(calendar_fields):
            self.field_path(path, ("policy", "calendar_fields", i))
        return calendar_fields

    def flag(self, value: object, path: Path_) -> bool:
        """A true-or-false key."""
        if not isinstance(value, bool):
            raise self.error(
                path,
                f"expected true or false, got {kind_of_value(value)}",
                value=value,
                expected="true or false",
            )
        return value

    def status_map(self, value: object) -> dict[str, Status]:
        """``[status_map]``: the host's statuses, each onto one of the built-in four."""
        out: dict[str, Status] = {}
        for host, status in self.mapping(value, ("status_map",)).items():
            path = ("status_map", host)
            if host in _STATUSES:
                raise self.error(
                    path,
                    f"the built-in status {host!r} cannot be mapped; map the host's own statuses",
                    value=host,
                )
            try:
                out[host] = to_enum(
                    Status, self.string(status, path), "{value!r} is not one of {names}"
                )
            except PolicyError as exc:
                raise self.wrap(path, exc) from None
        return out

    def policy_clock(
        self, clock_name: str | None, calendars: Mapping[str, BusinessCalendar]
    ) -> WallClock | BusinessClock:
        """``[policy] clock``: the wall clock, or business time in one of the calendars."""
        if clock_name is None or clock_name == "wall":
            return WallClock()
        name = clock_name
        if name not in calendars:
            raise self.error(
                ("policy", "clock"),
                f"the clock {name!r} is neither 'wall' nor one of the calendars "
                f"{sorted(calendars)}",
                value=name,
                suggestion=did_you_mean(name, [*calendars, "wall"]),
            )
        self.business_clock = True
        return BusinessClock(calendars[name])

    def _blame(self, exc: PolicyError) -> Path_:
        """The path a policy-level error is about, from its ``subject`` (or ``where``)."""
        kind, name = exc.subject or ("", None)
        if kind == "rule" and isinstance(name, str):
            found = self._rule_paths.get(name)
            if found is not None:
                return _path_of(found[1], exc.value, found[0])
        if kind == "level":
            for i, (lvl_id, spec) in enumerate(self._level_ids):
                if lvl_id == name:
                    return _path_of(spec, exc.value, ("levels", i))
        if kind == "sla" and isinstance(name, str):
            named = [i for i, spec in enumerate(self._sla_specs) if _named(spec, name)]
            if named:
                last = named[-1]  # a duplicate name: the second one
                return _path_of(self._sla_specs[last], exc.value, ("slas", last))
        if kind == "policy" and name == "targets":
            return _path_of(self._targets_spec, exc.value, ("targets",))
        if kind == "policy" and isinstance(name, str):
            return ("policy", name)
        if kind == "clock" and isinstance(name, str) and name in getattr(self, "_clock_specs", {}):
            return _path_of(self._clock_specs[name], exc.value, ("clocks", name))
        if exc.where in ("calendar", "match", "calendar_field", "calendar_fields", "zone_field"):
            return ("policy", exc.where)
        if kind == "levels" and isinstance(name, int):
            spec = self._level_ids[name][1] if name < len(self._level_ids) else None
            return _path_of(spec, exc.value, ("levels", name))
        return ()


_TOP_KEYS: Final = {
    "parameters": False,
    "policy": False,
    "status_map": False,
    "calendars": False,
    "clocks": False,
    "targets": False,
    "slas": False,
    "schedules": False,
    "levels": True,
    "rules": False,
}

_STATUSES: Final = frozenset(s.value for s in Status)

_HEAD_KEYS: Final = {
    "name": False,
    "match": False,
    "calendar": False,
    "calendar_field": False,
    "calendar_fields": False,
    "zone_field": False,
    "clock": False,
    "supersede_warnings": False,
    "version": False,
}


def _names_a_calendar(tables: object) -> bool:
    """Does one of the ``[[levels]]`` (or ``[[slas]]``) tables name a calendar?"""
    return isinstance(tables, list) and any(
        isinstance(spec, Mapping) and spec.get("calendar") is not None for spec in tables
    )


def _named(spec: object, name: str) -> bool:
    return isinstance(spec, Mapping) and spec.get("name") == name


def _path_of(spec: object, value: object, path: Path_) -> Path_:
    """The path of the first key or value in *spec* equal to *value* (else *path*)."""
    if value is None or isinstance(value, bool):
        return path
    if isinstance(value, str | int | float):
        if isinstance(spec, Mapping):
            for key, item in spec.items():
                if key == value:
                    return (*path, key)
                found = _path_of(item, value, (*path, key))
                if found != (*path, key) or item == value:
                    return found
        elif isinstance(spec, list):
            for i, item in enumerate(spec):
                found = _path_of(item, value, (*path, i))
                if found != (*path, i) or item == value:
                    return found
    return path


def from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<dict>",
    parameters: Mapping[str, Scalar] | None = None,
) -> Policy:
    """Build a `Policy` from its dict form (what `to_dict` returns; the shape of the TOML).

    *parameters* overrides values of the ``parameters`` table (see `loads`).

    Raises:
        PolicyError: whose ``where`` names *source* and the JSON path of the mistake,
            such as ``"db row 7, rules[1].at.sla"``.
    """
    return _read(data, source, None, parameters)


def _read(
    data: object,
    source: str,
    locator: Locator | None,
    parameters: Mapping[str, Scalar] | None = None,
) -> Policy:
    reader = _Reader(source, locator)
    resolved, reader.references = resolve(reader, data, parameters)
    return reader.policy(resolved)


def loads(
    text: str, *, source: str = "<string>", parameters: Mapping[str, Scalar] | None = None
) -> Policy:
    """Build a `Policy` from TOML *text*.

    A ``[parameters]`` table declares names with default values; a string that is exactly
    ``"$name"`` anywhere else stands for the value (``"$$..."`` for a literal ``$``).
    *parameters* overrides some of the values: a mapping of declared names to strings,
    numbers or booleans. Without it the file's own values are used.

    Raises:
        PolicySyntaxError: for malformed TOML or any invalid part, with line and column
            (for a bad substituted value, those of the ``"$name"`` reference).
        PolicyError: *parameters* names a parameter the file does not declare.
    """
    return _read(_parse(text, source), source, Locator(text, source), parameters)


def policy_parameters(text_or_path: str | PathLike[str]) -> dict[str, Scalar]:
    """The parameters a policy file declares (its ``[parameters]`` table) and their default
    values, in the file's order.

    *text_or_path* is policy text if it is a str with a newline or an ``=``, else a path.

    Raises:
        PolicySyntaxError: malformed TOML, or a bad parameter name or value.
    """
    if is_policy_text(text_or_path):
        text, source = str(text_or_path), "<string>"
    else:
        path = as_path(text_or_path)
        text, source = read_policy_text(path), str(path)
    return declared(_Reader(source, Locator(text, source)), _parse(text, source))


def _parse(text: str, source: str) -> dict[str, Any]:
    """TOML *text* as data, every failure a located `PolicySyntaxError`."""
    if not isinstance(text, str):
        raise PolicyError(f"policy text must be a str, got {type(text).__name__}", value=text)
    if len(text) > MAX_BYTES:
        raise PolicySyntaxError(
            f"the policy text is {len(text):,} characters long, over the limit of {MAX_BYTES:,}",
            source=source,
        )
    _check_key_depth(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(text, str(exc), source) from None
    except RecursionError:
        raise nesting_error(text, source) from None
    except ValueError:  # an integer past the interpreter's limit on digits
        raise number_error(text, source) from None
    return data


def _check_key_depth(text: str, source: str) -> None:
    """Refuse a key or table header of more than `MAX_KEY_PARTS` parts, before the TOML
    parser sees it. One pass over the text: quoted parts and multi-line strings are skipped."""
    in_string: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if in_string is not None:
            if in_string in line:
                in_string = None
            continue
        dots, quote, end = 0, None, len(line)
        for at, ch in enumerate(line):
            if quote is not None:
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == ".":
                dots += 1
            elif ch in "=],#":  # the key ends (a key holds no comma)
                end = at
                break
        if dots >= MAX_KEY_PARTS:
            raise PolicySyntaxError(
                f"a key of {dots + 1} dotted parts; keys and table headers may have at most "
                f"{MAX_KEY_PARTS}",
                source=source,
                line=number,
                column=1,
                line_text=line.rstrip("\r"),
            )
        rest = line[end:]
        for marker in ('"""', "'''"):
            if rest.count(marker) == 1:
                in_string = marker


def load(
    file: str | PathLike[str] | IO[bytes] | IO[str],
    *,
    parameters: Mapping[str, Scalar] | None = None,
) -> Policy:
    """Build a `Policy` from a TOML file (a path, or a file opened in text or binary mode);
    *parameters* as for `loads`."""
    if isinstance(file, str | PathLike):
        return loads(read_policy_text(file), source=str(file), parameters=parameters)
    raw = file.read(MAX_BYTES + 1)
    text = _policy_text(raw, str(getattr(file, "name", "<file>")))
    return loads(text, source=str(file), parameters=parameters)


def read_policy_text(path: str | PathLike[str]) -> str:
    """The text of the policy file *path*: UTF-8, at most `MAX_BYTES` (a FIFO or a device
    is read up to the limit). `PolicyError` if it cannot be read, `PolicySyntaxError` if it
    is too large or not UTF-8."""
    try:
        with Path(path).open("rb") as opened:
            raw = opened.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PolicyError(
            f"cannot read the policy file {str(path)!r}: {exc.strerror}", value=str(path)
        ) from None
    return _policy_text(raw, str(path))


def _policy_text(raw: bytes | str, source: str) -> str:
    if len(raw) > MAX_BYTES:
        raise PolicySyntaxError(
            f"the policy text is over the limit of {MAX_BYTES:,} bytes", source=source
        )
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicySyntaxError(
            f"the policy file is not UTF-8 ({exc.reason} at byte {exc.start})", source=source
        ) from None
