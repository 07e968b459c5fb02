"""The rows of an event log in Parquet, read with pyarrow (the ``parquet`` extra).

Only the mapped columns are read, a record batch at a time, so memory holds one batch
however long the log. A value is read as the CSV reader would read its text: a string as
it is, a number as Python writes it, a timestamp column as ISO 8601 (with its offset when
the column has a time zone), a null as no value. The "line" of a row in messages is its
row number, counting the header as line 1 (as in the CSV it was converted from).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from os import PathLike, fspath
from typing import Any, Final

from .._exceptions import IssueError, PolicyError
from .._extras import needs
from .._suggest import did_you_mean
from .logmapping import LogMapping, LogSource
from .logrows import Row

#: Rows per record batch read.
BATCH_ROWS: Final = 65_536


def parquet_rows(source: LogSource, mapping: LogMapping) -> tuple[str, Iterator[Row]]:
    """The log's name and its rows (see the module docstring).

    Raises:
        EscalationRulesError: pyarrow is not installed (the ``parquet`` extra), the source
            is not a path, the file is not Parquet, or a mapped column is missing.
    """
    if not isinstance(source, str | PathLike):
        raise PolicyError(
            "a Parquet log is read from a path (pyarrow reads it by random access), not a stream",
            where=str(getattr(source, "name", "<stream>")),
        )
    name = fspath(source)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise PolicyError(
            needs("reading a Parquet log", "pyarrow", "parquet"),
            where=name,
        ) from None
    try:
        file = pq.ParquetFile(name)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise IssueError(f"{name}: cannot read the Parquet log: {exc}", value=name) from None
    header = list(file.schema_arrow.names)
    columns = mapping.columns()
    for key, column in columns.items():
        if column not in header:
            raise PolicyError(
                f"column {column!r} (columns.{key} in {mapping.source or 'the mapping'}) is "
                f"not in the Parquet file; its columns are {header}",
                where=name,
                value=column,
                suggestion=did_you_mean(column, header),
            )
    for key, column in columns.items():
        times = mapping.time_format(key)
        typed = str(file.schema_arrow.field(column).type).startswith(("timestamp", "date"))
        if typed and times is not None and times.format != "iso":
            raise PolicyError(
                f"column {column!r} (columns.{key}) holds typed timestamps in the Parquet "
                f"file, which read as ISO 8601; leave out its format ({times.format!r})",
                where=name,
                value=times.format,
            )
    return name, _rows(file, name, mapping)


def _rows(file: Any, name: str, mapping: LogMapping) -> Iterator[Row]:
    columns = mapping.columns()
    keys = mapping.row_keys()
    wanted = list(dict.fromkeys(columns[key] for key in keys if key in columns))
    line = 1
    try:
        for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            values = {
                column: [cell_text(v) for v in batch.column(i).to_pylist()]
                for i, column in enumerate(batch.schema.names)
            }
            empty = [""] * batch.num_rows
            picked = [values[columns[key]] if key in columns else empty for key in keys]
            for row in zip(*picked, strict=True):
                line += 1
                yield (line, *row)
    except (OSError, ValueError) as exc:
        raise IssueError(
            f"{name}: cannot read the Parquet log after row {line - 1}: {exc}", value=name
        ) from None


def cell_text(value: object) -> str:
    """A Parquet or dataframe value as the text a CSV would hold: a missing value (``None``,
    NaN, pandas' ``NA`` and ``NaT``, what an empty CSV cell becomes in a dataframe) as the
    empty text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if type(value).__name__ in _MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))  # a whole number in a float column: 2.0 reads "2", as in a CSV
    return str(value)


#: The types of pandas' missing values (read by name: pandas is not imported here).
_MISSING: Final = frozenset({"NAType", "NaTType"})
