"""Progress bars for the long steps (build, validation, export, push), on a terminal only.

A bar is drawn on stderr, rewritten in place, only when stderr is a terminal: piped
output, CI logs and tests stay quiet, and stdout (which carries results) is never
touched. Redraws are throttled so a bar costs nothing measurable in a tight loop.

Two shapes cover every caller::

    with progress_bar("export", total=triple_count, unit="triples") as bar:
        for triple in triples:
            ...
            bar.advance()

    build_store(path, progress=step_reporter("build"))   # a Callable[[str], None]
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

ENV_PROGRESS = "RETINOID_LD_PROGRESS"
REDRAW_SECONDS = 0.1
BAR_WIDTH = 24


def progress_enabled(stream: TextIO | None = None) -> bool:
    """Whether to draw: ``$RETINOID_LD_PROGRESS`` (1/0) if set, else whether ``stream`` is a TTY."""
    setting = os.environ.get(ENV_PROGRESS, "").strip().lower()
    if setting in ("1", "true", "yes", "always"):
        return True
    if setting in ("0", "false", "no", "never"):
        return False
    target = stream if stream is not None else sys.stderr
    try:
        return bool(target.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def _human_count(value: float) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.1f}{suffix}"
    return f"{value:.0f}"


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class ProgressBar:
    """One line on stderr: label, bar (when the total is known), count, rate, elapsed time.

    Use :func:`progress_bar` to make one; when drawing is disabled every method is a
    cheap no-op, so callers never need to test for a terminal themselves.
    """

    def __init__(
        self,
        label: str,
        *,
        total: float | None = None,
        unit: str = "",
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = progress_enabled(self.stream) if enabled is None else enabled
        self.count = 0.0
        self.status = ""
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._width = 0

    def advance(self, amount: float = 1) -> None:
        """Count ``amount`` more units done."""
        self.count += amount
        if self.enabled:
            self._maybe_draw()

    def update(self, count: float | None = None, *, status: str | None = None) -> None:
        """Set the count done so far and/or a short status text shown after the bar."""
        if count is not None:
            self.count = count
        if status is not None:
            self.status = status
        if self.enabled:
            self._maybe_draw(force=status is not None)

    def close(self, final: str | None = None) -> None:
        """Clear the line; print ``final`` in its place if given (on a terminal only)."""
        if not self.enabled:
            return
        self._write("\r" + " " * self._width + "\r")
        if final:
            self._write(f"{self.label}: {final}\n")
        self.enabled = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(self) -> str:
        """The text of the line as it would be drawn now."""
        elapsed = time.monotonic() - self._started
        parts = [f"{self.label}:"]
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            fraction = min(max(self.count / self.total, 0.0), 1.0)
            filled = round(fraction * BAR_WIDTH)
            parts.append(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}")
            parts.append(f"{_human_count(self.count)}/{_human_count(self.total)}{unit}")
        elif self.count:
            parts.append(f"{_human_count(self.count)}{unit}")
        if self.count and elapsed > 0:
            parts.append(f"{_human_count(self.count / elapsed)}{unit}/s")
        parts.append(_elapsed(elapsed))
        if self.status:
            parts.append(self.status)
        return " ".join(parts)

    def _maybe_draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_SECONDS:
            return
        self._last_draw = now
        line = self.render()
        padding = " " * max(self._width - len(line), 0)
        self._width = len(line)
        self._write("\r" + line + padding)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing, keep working
            self.enabled = False


def progress_bar(
    label: str,
    *,
    total: float | None = None,
    unit: str = "",
    stream: TextIO | None = None,
    enabled: bool | None = None,
) -> ProgressBar:
    """A bar for a step of ``total`` units (None: unknown, shows a count and a rate)."""
    return ProgressBar(label, total=total, unit=unit, stream=stream, enabled=enabled)


def track(
    items: Iterable[T],
    label: str,
    *,
    total: float | None = None,
    unit: str = "",
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield ``items`` unchanged, advancing a bar by one per item."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress_bar(label, total=total, unit=unit, stream=stream) as bar:
        if not bar.enabled:
            yield from items
            return
        for item in items:
            yield item
            bar.advance()


def step_reporter(
    label: str, *, stream: TextIO | None = None, ticking: bool = False
) -> Callable[[str], None]:
    """A ``progress`` callback for steps known only by name (as ``build_store`` reports them).

    On a terminal each message replaces the previous one on the same line, with the
    time elapsed; elsewhere the messages are dropped. With ``ticking`` a background
    thread redraws the line twice a second, so the clock runs during a long step that
    reports nothing (call ``close()`` when done).
    """
    bar = progress_bar(label, stream=stream)
    stop = threading.Event()

    def report(message: str) -> None:
        bar.update(status=message)

    def tick() -> None:
        while not stop.wait(0.5):
            bar.update()

    def close(final: str | None = None) -> None:
        stop.set()
        bar.close(final)

    if ticking and bar.enabled:
        threading.Thread(target=tick, daemon=True).start()
    report.close = close  # type: ignore[attr-defined]
    return report


@contextlib.contextmanager
def step(label: str, message: str, *, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``label: elapsed message`` on a terminal while the block runs; nothing elsewhere."""
    report = step_reporter(label, stream=stream, ticking=True)
    report(message)
    try:
        yield
    finally:
        report.close()  # type: ignore[attr-defined]
