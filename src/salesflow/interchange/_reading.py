"""Reading real CSV exports: encodings, byte order marks, delimiters, decimal commas and
oversized fields, each a clear error or a reasoned reject (C4).

:func:`open_table` opens one file as a header and a stream of numbered rows, after
deciding how to read it: the encoding (UTF-8 with or without a byte order mark unless
told), the delimiter (the one among ``,`` ``;`` tab ``|`` whose header holds the columns
the mapping needs, unless told) and the decimal mark (a comma for semicolon files, as
Excel writes them in most of Europe, else a point, unless told). A byte the encoding
cannot decode stops the import with its offset; nothing is stored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from attrs import frozen

from salesflow.errors import ImportFileError, MappingError

__all__ = [
    "CSV_FIELD_LIMIT",
    "DELIMITERS",
    "MAX_FIELD",
    "Table",
    "checked_encoding",
    "checked_mark",
    "normalise_amount",
    "open_table",
]

#: The delimiters tried when none is given, in this order.
DELIMITERS = (",", ";", "\t", "|")
#: The longest field a row may hold (characters); a longer one rejects its row.
MAX_FIELD = 1_048_576
#: The longest field the CSV reader accepts at all (64 MiB); a longer one stops the
#: import. The ``csv`` module's own limit (131,072) is raised to this, process-wide,
#: when it is lower (it is never lowered, so concurrent imports are safe).
CSV_FIELD_LIMIT = 64 * 1_048_576

_POINT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_COMMA = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_SPACES = re.compile(r"[ \u00a0\u202f']")  # thousands separated by (narrow) spaces, '


@frozen
class Table:
    """An opened export: its header, how it is read, and its rows (number, cells)."""

    path: Path
    header: tuple[str, ...]
    encoding: str
    delimiter: str
    decimal: str
    rows: Iterator[tuple[int, dict[str, str]]]
    #: bytes of the file read so far, and its size (for progress)
    position: Callable[[], int]
    size: int
    #: closes the file (the rows close it when read to the end; a reader that stops
    #: early calls this)
    close: Callable[[], None]


def normalise_amount(text: str, decimal: str) -> str:
    """An amount as ``Decimal`` reads it: thousands separators dropped and the decimal
    mark a point, when *text* is a number written with the *decimal* mark.

    Text holding the other mark in a way the *decimal* mark cannot read (``1.5`` with a
    decimal comma, ``1,5`` with a point) raises ``ValueError``: it is never guessed.
    Anything else is returned as it is, for ``Money`` to refuse with its reason.
    """
    compact = _SPACES.sub("", text.strip())
    pattern, other = (_COMMA, ".") if decimal == "," else (_POINT, ",")
    if pattern.match(compact):
        if decimal == ",":
            return compact.replace(".", "").replace(",", ".")
        return compact.replace(",", "")
    if other in compact:
        mark = "comma" if decimal == "," else "point"
        raise ValueError(f"{text!r} is not a number with a decimal {mark} (see --decimal)")
    return text


def _raise_field_limit() -> None:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def _bad_byte(path: Path, encoding: str) -> str:
    """Where *path* stops being *encoding* text: the offset and the byte."""
    offset = 0
    if codecs.lookup(encoding).name == "utf-8-sig":  # count the BOM's bytes, skip them
        encoding = "utf-8"
        with path.open("rb") as f:
            offset = 3 if f.read(3) == codecs.BOM_UTF8 else 0
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        f.seek(offset)
        while chunk := f.read(1 << 16):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeError as bad:
                if not isinstance(bad, UnicodeDecodeError):
                    return f"the start of the file ({bad})"
                at = offset - pending + bad.start
                byte = (bad.object[bad.start : bad.start + 1] or b"?").hex()
                return f"byte 0x{byte} at offset {at:,}"
            offset += len(chunk)
    return "the end of the file (an incomplete character)"


def _decode_error(path: Path, encoding: str) -> MappingError:
    where = _bad_byte(path, encoding)
    hint = "; pass --encoding (e.g. cp1252 for Western Europe, cp1250 for Central Europe, latin-1)"
    shown = "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    return ImportFileError(str(path), f"is not {shown} text: {where}{hint}")


def checked_encoding(encoding: str | None) -> str:
    """The codec to read with: *encoding*, or UTF-8 with or without a BOM; a name that is
    not a text encoding Python knows is a ``MappingError``."""
    name = "utf-8-sig" if encoding is None else encoding
    if not isinstance(name, str):
        raise MappingError("encoding", name, "must be the name of a text encoding")
    try:
        known = codecs.lookup(name)
    except LookupError:
        raise MappingError("encoding", name, "is not an encoding Python knows") from None
    if not getattr(known, "_is_text_encoding", True):  # base64, rot13: bytes to bytes
        raise MappingError("encoding", name, "is not a text encoding")
    return name


def checked_mark(name: str, value: str | None, allowed: Iterable[str] | None) -> None:
    """A delimiter or decimal mark: one character, not a quote or a line break (and one
    of *allowed* when given); else a ``MappingError``."""
    if value is None:
        return
    if not isinstance(value, str) or len(value) != 1 or value in '\r\n"':
        raise MappingError(name, value, "must be one character (not a quote or a line break)")
    if allowed is not None and value not in allowed:
        raise MappingError(name, value, f"must be one of {' '.join(map(repr, allowed))}")


def _header_line(text: IO[str], path: Path, encoding: str) -> str:
    try:
        line = text.readline()
    except UnicodeError:
        raise _decode_error(path, encoding) from None
    if not line.strip():
        raise ImportFileError(str(path), "has no header line (it is empty)")
    return line


def _split(line: str, delimiter: str) -> tuple[str, ...]:
    cells = next(csv.reader([line.lstrip("\ufeff")], delimiter=delimiter), [])
    return tuple(cell.lstrip("\ufeff").strip() for cell in cells)


def _choose_delimiter(
    line: str, path: Path, delimiter: str | None, needed: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """The delimiter, and the header split by it: the given one, else the first of
    :data:`DELIMITERS` whose header holds every *needed* column."""
    if delimiter is not None:
        header = _split(line, delimiter)
        missing = [c for c in needed if c not in header]
        if missing:
            raise ImportFileError(
                str(path),
                f"has no column {missing[0]!r} when split by {delimiter!r}"
                f" (its header: {', '.join(header)[:200]})",
            )
        return delimiter, header
    if line.startswith("\u00ef\u00bb\u00bf"):  # EF BB BF read as Latin-1 or cp1252
        raise ImportFileError(
            str(path),
            "starts with a UTF-8 byte order mark: it is UTF-8 text; leave out --encoding",
        )
    best: list[str] = list(needed)
    split: tuple[str, ...] = ()
    for candidate in DELIMITERS:
        header = _split(line, candidate)
        missing = [c for c in needed if c not in header]
        if not missing:
            return candidate, header
        if len(missing) < len(best) or (len(missing) == len(best) and len(header) > len(split)):
            best, split = missing, header
    if len(split) > 1:  # the header splits into columns: a name is wrong, not the delimiter
        raise ImportFileError(
            str(path),
            f"has no column {best[0]!r}, which the mapping names; its columns are"
            f" {', '.join(split)[:200]}",
        )
    raise ImportFileError(
        str(path),
        f"has no column {best[0]!r} in its header ({line.strip()[:200]!r}) split by"
        " , ; tab or |; check the mapping's column names or pass --delimiter",
    )


def open_table(
    path: Path,
    *,
    needed: tuple[str, ...],
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> Table:
    """Open *path* to read: decide the encoding, delimiter and decimal mark (see the
    module) and check that the header holds the *needed* columns."""
    name = checked_encoding(encoding)
    checked_mark("delimiter", delimiter, None)
    checked_mark("decimal", decimal, (".", ","))
    _raise_field_limit()
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFileError(str(path), f"cannot be read ({exc.strerror})") from None
    size = path.stat().st_size
    text = io.TextIOWrapper(raw, encoding=name, newline="")
    try:
        line = _header_line(text, path, name)
        chosen, header = _choose_delimiter(line, path, delimiter, needed)
    except BaseException:
        text.close()
        raise
    mark = decimal if decimal is not None else ("," if chosen == ";" else ".")
    return Table(
        path=path,
        header=header,
        encoding=name,
        delimiter=chosen,
        decimal=mark,
        rows=_rows(text, header, chosen, path, name),
        position=lambda: size if raw.closed else raw.tell(),
        size=size,
        close=text.close,
    )


def _rows(
    text: IO[str], header: tuple[str, ...], delimiter: str, path: Path, encoding: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row after the header: its line number and its cells by column (a cell past
    the header's columns is under ``""``, so the importer can reject the row)."""
    with text:
        reader = csv.reader(text, delimiter=delimiter)
        width = len(header)
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeError:
                raise _decode_error(path, encoding) from None
            except csv.Error as exc:  # line_num counts from the line after the header
                raise ImportFileError(
                    str(path), f"near line {reader.line_num + 1}: {exc}; not a CSV export?"
                ) from None
            number += 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            row = dict(zip(header, cells, strict=False))
            if len(cells) > width:
                row[""] = delimiter.join(cells[width:])
            yield number, row
