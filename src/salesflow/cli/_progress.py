"""The import's progress bar: one line on a terminal's stderr, redrawn in place.

Standard library only: the runtime dependencies are attrs, cattrs and dateutil, and a bar
of one line — percent of the file read, rows, rows per second, time left — is a few
lines of formatting; ``rich`` or ``tqdm`` would add a dependency (or an extra to
document and test both ways) for no more than that. :func:`bar_text` is the pure part
that tests check by hand; :class:`ProgressBar` draws it at most every 0.1 s, and not at
all when stderr is not a terminal (a pipe, a file, a CI log).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Protocol, TextIO

__all__ = ["Progress", "ProgressBar", "bar_text", "duration"]

#: the least time between two drawings, in seconds
INTERVAL = 0.1


class Progress(Protocol):
    """What the bar reads of an ``ImportProgress``: rows so far, bytes read of the file."""

    @property
    def rows(self) -> int: ...
    @property
    def bytes_read(self) -> int: ...
    @property
    def total_bytes(self) -> int: ...


def duration(seconds: float) -> str:
    """A duration, rounded up to the second: ``9 s``, ``2 min 05 s``, ``1 h 02 min``."""
    whole = max(0, math.ceil(seconds - 1e-9))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def bar_text(progress: Progress, elapsed_seconds: float, width: int) -> str:
    """The line to draw: a bar, percent of the file read, rows, rows per second and the
    time left (``done in …`` once the whole file is read), at most *width* - 1 characters.

    The percent is rounded down, so 100 % means the whole file; the time left assumes
    the rest of the file reads at the speed so far.

    Examples:
        >>> from types import SimpleNamespace as P
        >>> bar_text(P(rows=1000, bytes_read=50, total_bytes=100), 10.0, 60)
        '[########.........]  50%  1,000 rows  100 rows/s  10 s left'
    """
    total, done = progress.total_bytes, min(progress.bytes_read, progress.total_bytes)
    fraction = done / total if total > 0 else 1.0
    rate = f"{progress.rows / elapsed_seconds:,.0f} rows/s" if elapsed_seconds > 0 else "-- rows/s"
    if fraction >= 1:
        when = f"done in {duration(elapsed_seconds)}"
    elif done > 0 and elapsed_seconds > 0:
        when = f"{duration(elapsed_seconds * (total - done) / done)} left"
    else:
        when = "-- left"
    text = f"{math.floor(fraction * 100):>3d}%  {progress.rows:,} rows  {rate}  {when}"
    room = width - 1 - len(text) - 3  # brackets and a space; the last column stays empty
    if room >= 10:
        cells = min(room, 40)
        filled = math.floor(fraction * cells)
        text = f"[{'#' * filled}{'.' * (cells - filled)}] {text}"
    return text[: max(0, width - 1)]


class ProgressBar:
    """A ``progress=`` callback that draws :func:`bar_text` on *stream* when it is a
    terminal; :meth:`finish` draws the last state and ends the line."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):  # closed or not a real stream
            self.enabled = False
        self._clock = clock
        self._start = clock()
        self._drawn_at: float | None = None
        self._last: Progress | None = None
        self._shown: Progress | None = None  # the progress drawn last

    def __call__(self, progress: Progress) -> None:
        """Take the import's progress; redraw if the last drawing is 0.1 s old."""
        self._last = progress
        if not self.enabled:
            return
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= INTERVAL:
            self._draw(now)

    def finish(self) -> None:
        """Draw the last progress and end the line (nothing if nothing was drawn)."""
        if not self.enabled or self._last is None:
            return
        if self._shown is not self._last:
            self._draw(self._clock())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        assert self._last is not None
        width = _width(self.stream)
        line = bar_text(self._last, now - self._start, width)
        self.stream.write("\r" + line.ljust(width - 1))
        self.stream.flush()
        self._drawn_at = now
        self._shown = self._last


def _width(stream: TextIO) -> int:
    """The terminal's width (80 when it cannot be told)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80
    return max(20, columns) if columns > 0 else 80  # a pseudo-terminal may say 0
