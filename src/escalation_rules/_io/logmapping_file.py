"""The TOML form of a log mapping, read into `LogMapping`'s arguments.

A column is a name, or a table that also says how the column writes instants::

    [columns]
    timestamp = { column = "sys_updated_on", format = "DD-MM-YYYY HH:mm", timezone = "UTC" }

    [columns.attributes]            # more columns, by the attribute name they fill
    made_sla = "made_sla"
    opened = { column = "opened_at", format = "DD-MM-YYYY HH:mm" }

Value maps are ``[priorities]``, ``[levels]`` and ``[values.KEY]`` for any other key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._exceptions import PolicyError
from .._suggest import did_you_mean

_TOP_KEYS: Final = (
    "format",
    "delimiter",
    "encoding",
    "timezone",
    "null",
    "sort",
    "columns",
    "defaults",
    "statuses",
    "priorities",
    "levels",
    "values",
)

_COLUMN_KEYS: Final = (
    "issue", "timestamp", "status", "sub_status", "level", "team", "priority", "category",
    "customer", "tier", "satisfaction", "attributes",
)  # fmt: skip

_REQUIRED: Final = ("issue", "timestamp", "status")

_SPEC_KEYS: Final = ("column", "format", "timezone")

_STATUS_KEYS: Final = ("open", "pending", "resolved", "closed")


def mapping_arguments(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`LogMapping`'s keyword arguments from the TOML structure *data* (read from *where*).

    Raises:
        PolicyError: an unknown key (with a "did you mean"), a missing required column, or
            a value of the wrong type.
    """
    known_keys(data, _TOP_KEYS, where, "")
    columns = table(data, "columns", where)
    if not columns and "columns" not in data:
        raise PolicyError(
            "the [columns] table is missing; it names at least the issue, timestamp and "
            "status columns",
            where=where,
        )
    known_keys(columns, _COLUMN_KEYS, where, "columns.")
    for key in _REQUIRED:
        if key not in columns:
            raise PolicyError(f"columns.{key} is required", where=where)
    out: dict[str, Any] = {}
    formats: dict[str, Any] = {}
    zones: dict[str, Any] = {}
    for key, spec in columns.items():
        if key == "attributes":
            continue
        out[key] = _spec(spec, key, where, formats, zones)
    attributes = table(columns, "attributes", where, "columns.")
    out["attributes"] = {
        name: _spec(spec, f"attributes.{name}", where, formats, zones)
        for name, spec in attributes.items()
    }
    statuses = table(data, "statuses", where)
    known_keys(statuses, _STATUS_KEYS, where, "statuses.")
    for key in _STATUS_KEYS:
        out[key] = _names(statuses.get(key, []), f"statuses.{key}", where)
    out["null"] = _names(data.get("null", []), "null", where)
    values = table(data, "values", where)
    for key, value in values.items():
        if key in ("priority", "level"):
            table_name = "priorities" if key == "priority" else "levels"
            raise PolicyError(
                f"values.{key}: write the {key} map as [{table_name}]", where=where, value=key
            )
        if not isinstance(value, Mapping):
            raise PolicyError(f"values.{key} must be a table", where=where, value=value)
    for key in ("format", "delimiter", "encoding", "timezone", "sort"):
        if key in data:
            out[key] = data[key]
    out.update(
        formats=formats,
        zones=zones,
        defaults=table(data, "defaults", where),
        priorities=table(data, "priorities", where),
        levels=table(data, "levels", where),
        values=values,
    )
    return out


def _spec(
    spec: object, key: str, where: str, formats: dict[str, Any], zones: dict[str, Any]
) -> object:
    """The column name of *spec* (a name, or a table with ``column``, ``format`` and
    ``timezone``), noting its format and zone under *key*."""
    if not isinstance(spec, Mapping):
        return spec
    known_keys(spec, _SPEC_KEYS, where, f"columns.{key}.")
    if "column" not in spec:
        raise PolicyError(f"columns.{key} needs column = 'NAME'", where=where, value=dict(spec))
    if "format" in spec:
        formats[key] = spec["format"]
    if "timezone" in spec:
        zones[key] = spec["timezone"]
    return spec["column"]


def _names(value: object, key: str, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise PolicyError(f"{key} must be a list of names, got {value!r}", where=where, value=value)
    return value


def known_keys(
    data: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str, what: str = "key"
) -> None:
    """Refuse a key of *data* not in *known* (each a *what*), with a "did you mean"."""
    for key in data:
        if key not in known:
            raise PolicyError(
                f"unknown {what} {prefix}{key!r}; the {what}s are {list(known)}",
                where=where,
                value=key,
                suggestion=did_you_mean(str(key), known),
            )


def table(data: Mapping[str, Any], key: str, where: str, prefix: str = "") -> dict[str, Any]:
    """``data[key]`` as a dict (empty when absent); refused unless it is a table."""
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{prefix}{key} must be a table, got {value!r}", where=where, value=value)
    return dict(value)
