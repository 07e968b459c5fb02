"""A policy's content as canonical bytes, and the version named after their digest.

A `Policy` given no ``version=`` is named ``f"{policy.name}@{digest}"``: the first 12 hex
digits of the SHA-256 of `content_bytes`. The bytes depend on what a user wrote, never on
where it sits in memory, so the digest is the same in every process (whatever
``PYTHONHASHSEED``), on every platform, and before and after pickling; and it changes when
anything a user can change changes: a level's owner, a target, a rule's condition, a
calendar's hours, a clock's trigger.

What the walk reads:

* an attrs instance: its class's ``__qualname__`` and each ``init=True`` field by name
  (the caches a class derives, ``init=False``, are skipped), but for a field that holds
  its default: a setting left alone reads as nothing, so a release that adds a setting
  leaves the versions of the policies that do not use it as they were;
* tuples and lists in order; mappings (``dict``, ``FrozenDict``, ``MappingProxyType``) and
  sets sorted by the bytes of their keys or members, so neither insertion order nor string
  hashing counts;
* ``str``, ``int``, ``float`` (its exact hex form), ``bool``, ``None``, ``bytes``, enum
  members (class and value), ``timedelta``, ``date``, ``time`` and ``datetime`` (ISO form
  and the zone), a ``ZoneInfo`` (its key);
* functions, methods and classes by ``module.qualname``: a function's body does not count
  (rename a predicate when its logic changes, or give the policy an explicit version);
  ``functools.partial`` by its function, arguments and keywords;
* anything else: its class's qualname and a sorted walk of its ``vars()`` and
  ``__slots__``, or its ``repr`` when it has neither and the repr shows no memory address.

Classes are named by qualname alone, and the library's functions as ``escalation_rules.``
and their qualname: a public object's ``__module__`` changes when it is first imported from
``escalation_rules`` (`escalation_rules._publish`), which would make the digest depend on
what the process had imported. A value nested deeper than `MAX_DEPTH` is read as its class
name alone, and one that contains itself as a back-reference, so every walk ends.

Encoding: each item is a tag byte, the length of its payload in decimal, ``:`` and the
payload; a container's payload is its items, so no two different values share bytes.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
import types
from collections.abc import Callable, Mapping, Set
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import attrs

from .._exceptions import PolicyError

if TYPE_CHECKING:
    from .policy import Policy

MAX_DEPTH: Final = 200
"""How deep the walk goes (a condition of the language nests at most 64 levels)."""

DIGITS: Final = 12
"""How many hex digits of the digest a derived version keeps."""

_ADDRESS: Final = re.compile(r"0x[0-9A-Fa-f]{4,}")


def _item(tag: bytes, payload: bytes) -> bytes:
    return tag + str(len(payload)).encode() + b":" + payload


def _text(value: str) -> bytes:
    return _item(b"S", value.encode("utf-8", "surrogatepass"))


def _bool(value: bool) -> bytes:
    return _item(b"B", b"1" if value else b"0")


def _int(value: int) -> bytes:
    return _item(b"I", format(value, "x").encode())  # hex: no limit on digits


def _float(value: float) -> bytes:
    return _item(b"F", value.hex().encode())


def _none(_value: None) -> bytes:
    return _item(b"N", b"")


_SCALARS: Final[dict[type, Callable[[Any], bytes]]] = {
    str: _text,
    bool: _bool,
    int: _int,
    float: _float,
    type(None): _none,
}


def _code_name(obj: Any) -> str:
    """``module.qualname`` of a function or class; the library's own as ``escalation_rules``."""
    module = str(getattr(obj, "__module__", None) or "")
    if module.startswith("escalation_rules."):
        module = "escalation_rules"
    return f"{module}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


class _Walk:
    """One walk: the bytes of each compound value already seen (kept alive while it runs,
    so that an ``id`` is not reused) and the values being walked (to stop at a cycle)."""

    __slots__ = ("done", "fields", "open")

    def __init__(self) -> None:
        self.done: dict[int, tuple[object, bytes]] = {}
        self.open: set[int] = set()
        self.fields: dict[type, tuple[tuple[str, object], ...]] = {}

    def encode(self, value: object, depth: int) -> bytes:
        scalar = _SCALARS.get(value.__class__)
        if scalar is not None:
            return scalar(value)
        key = id(value)
        found = self.done.get(key)
        if found is not None:
            return found[1]
        name = value.__class__.__qualname__.encode()
        if key in self.open:
            return _item(b"R", name)
        if depth >= MAX_DEPTH:
            return _item(b"X", name)
        self.open.add(key)
        try:
            out = self.compound(value, depth + 1)
        finally:
            self.open.discard(key)
        self.done[key] = (value, out)
        return out

    def compound(self, value: object, depth: int) -> bytes:
        """The bytes of anything but an exact ``str``/``int``/``float``/``bool``/``None``."""
        cls = value.__class__
        name = _text(cls.__qualname__)
        if isinstance(value, enum.Enum):
            return _item(b"E", name + self.encode(value.value, depth))
        if attrs.has(cls):
            return _item(b"A", name + self.attrs_fields(value, depth))
        simple = _simple(value)
        if simple is not None:
            return simple
        if isinstance(value, datetime | time):
            return _item(b"W", _text(value.isoformat()) + self.encode(value.tzinfo, depth))
        if isinstance(value, tuple | list):
            return _item(b"Q", b"".join([self.encode(v, depth) for v in value]))
        if isinstance(value, Mapping):
            pairs = sorted((self.encode(k, depth), self.encode(v, depth)) for k, v in value.items())
            return _item(b"M", b"".join([k + v for k, v in pairs]))
        if isinstance(value, Set):
            return _item(b"U", b"".join(sorted(self.encode(v, depth) for v in value)))
        if isinstance(value, functools.partial):
            parts = (value.func, value.args, value.keywords)
            return _item(b"P", b"".join([self.encode(v, depth) for v in parts]))
        if isinstance(value, types.MethodType):
            owner = self.encode(value.__self__, depth)
            return _item(b"m", _text(_code_name(value.__func__)) + owner)
        if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
            return _item(b"C", _text(_code_name(value)))
        return _item(b"O", name + self.state(value, depth))

    def attrs_fields(self, value: object, depth: int) -> bytes:
        cls: Any = value.__class__  # an attrs class: attrs.has() said so
        spec = self.fields.get(cls)
        if spec is None:
            spec = self.fields[cls] = tuple(
                (f.name, _default_of(f)) for f in attrs.fields(cls) if f.init
            )
        parts = []
        for name, default in spec:
            held = getattr(value, name)
            if default is not _NO_DEFAULT and _same(held, default):
                continue  # a setting left alone: one added by a later release changes nothing
            parts.append(_text(name) + self.encode(held, depth))
        return b"".join(parts)

    def state(self, value: object, depth: int) -> bytes:
        """What an object of another kind holds: its ``vars()`` and ``__slots__``, else its
        ``repr`` if that shows no memory address."""
        held: dict[str, object] = dict(getattr(value, "__dict__", None) or {})
        for klass in value.__class__.__mro__:
            slots = klass.__dict__.get("__slots__", ())
            for slot in (slots,) if isinstance(slots, str) else slots:
                if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                    held.setdefault(slot, getattr(value, slot))
        if held or hasattr(value, "__dict__") or value.__class__.__dict__.get("__slots__"):
            return self.encode(held, depth)
        shown = repr(value)
        return b"" if _ADDRESS.search(shown) else _text(shown)


_NO_DEFAULT: Final = object()

_FACTORY: Final[type] = type(attrs.Factory(dict))


def _default_of(field: attrs.Attribute[Any]) -> object:
    """A field's default as given (a factory's product), or `_NO_DEFAULT`."""
    default: Any = field.default
    if default is attrs.NOTHING:
        return _NO_DEFAULT
    if type(default) is _FACTORY:
        made: Any = default
        return _NO_DEFAULT if made.takes_self else made.factory()
    return default


def _same(held: object, default: object) -> bool:
    """Is *held* the field's default? (An ``==`` that does not answer a bool: no.)"""
    if held is default:
        return True
    try:
        return (held == default) is True
    except (TypeError, ValueError):
        return False


def _simple(value: object) -> bytes | None:
    """The bytes of a string, number, date, duration or zone of a subclass, else ``None``."""
    if isinstance(value, str):
        return _text(str(value))
    if isinstance(value, int):
        return _int(int(value))
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, bytes | bytearray):
        return _item(b"Y", bytes(value))
    if isinstance(value, timedelta):
        return _item(b"D", f"{value.days},{value.seconds},{value.microseconds}".encode())
    if isinstance(value, date) and not isinstance(value, datetime):
        return _item(b"d", value.isoformat().encode())
    if isinstance(value, ZoneInfo):
        return _item(b"Z", str(value.key).encode())
    return None


def content_bytes(value: object) -> bytes:
    """The canonical bytes of *value* (see the module's docstring for what is read)."""
    return _Walk().encode(value, 0)


def content_digest(value: object) -> str:
    """The SHA-256 of `content_bytes`, in hex: the same in every process and platform."""
    return hashlib.sha256(content_bytes(value)).hexdigest()


def derived_version(policy: Policy) -> str:
    """``f"{policy.name}@{digest}"``: the first `DIGITS` hex digits of the content's digest."""
    return f"{policy.name}@{content_digest(policy)[:DIGITS]}"


def check_version(_instance: object, _attribute: object, value: str | None) -> None:
    """``Policy(version=...)``: ``None`` (derived from the content) or a non-empty string."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise PolicyError(
            f"a policy's version must be a non-empty string or None, got {value!r}",
            value=value,
            subject=("policy", "version"),
        )
