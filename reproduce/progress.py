"""Progress of the long commands (``run``, ``reproduce``, ``predictors``, ``validate``, ``zc``,
``build``, ``import``): one module, so every command reports the same way.

    from reproduce.progress import stage_progress

    with stage_progress(3600, "run", quiet=args.quiet, done=1200) as p:
        for result in work:
            p.update(failed=not result.ok, note="nb201/cifar10")

Three modes, chosen once per stage:

- ``bar``: stderr is a terminal -> a tqdm bar, redrawn in place; when the stage ends the bar
  is cleared and replaced by the final line.
- ``lines``: stderr is not a terminal (a log file, CI) -> whole plain lines, never a ``\\r``:
  one when the stage starts (``run: 3600 runs (1200 already done)``), one each time another
  tenth of the total is reached or, at the latest, every ``interval`` seconds, and one at the
  end (``run: 3600/3600 done in 67 s, 0 failed``).
- ``quiet``: nothing at all.

Every write ends with a newline (``message`` goes through ``tqdm.write`` while a bar is shown),
so two stages or a bar and a message never run together on one line.

The library layers (nasbench/, strategies/, predictors/) know nothing of this: they take a plain
callback, and :meth:`Progress.callback` / :meth:`Progress.record_callback` adapt one.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Literal

Mode = Literal["auto", "bar", "lines", "quiet"]
MODES = ("auto", "bar", "lines", "quiet")

#: in ``lines`` mode, a line at the latest every this many seconds (besides each tenth)
INTERVAL = 30.0


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is an interactive terminal (False when it cannot say)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed stream
        return False


def resolve_mode(mode: str | bool | None, stream: IO[str]) -> str:
    """``auto`` (or True) -> ``bar`` on a terminal, ``lines`` otherwise; False/None -> ``quiet``.

    ``always`` is accepted as ``bar`` (a bar even when the stream is not a terminal).
    """
    if mode is True or mode == "auto":
        return "bar" if is_terminal(stream) else "lines"
    if mode is False or mode is None:
        return "quiet"
    if mode == "always":
        return "bar"
    if mode in MODES:
        return str(mode)
    raise ValueError(f"progress mode must be one of {', '.join(MODES)} (or True/False), got {mode!r}")


def _secs(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


class Progress:
    """Progress of one stage: ``total`` items (None: not known yet), ``done`` of them finished before.

    ``update(n, failed=..., note=...)`` counts finished items; ``goto(count)`` sets the count
    (for callbacks that report ``done, total``); ``message(text)`` prints one whole line that
    does not break the bar; ``close()`` prints the final line. Prefer :func:`stage_progress`,
    which closes the stage however it ends.
    """

    def __init__(self, total: int | None, label: str, *, quiet: bool = False, done: int = 0, unit: str = "runs",
                 stream: IO[str] | None = None, mode: Mode | bool = "auto", interval: float = INTERVAL,
                 defer: bool = False):
        self.label, self.unit, self.interval = label, unit, float(interval)
        self.stream = stream if stream is not None else sys.stderr
        self.mode = "quiet" if quiet else resolve_mode(mode, self.stream)
        self.total = None if total is None else int(total)
        self.initial = self.count = int(done)
        self.failed = 0
        self.note: str | None = None
        self.start = time.perf_counter()
        self._last_line = self.start
        self._last_tenth = self._tenth(self.count)
        self._bar: Any = None  # a tqdm bar in "bar" mode, made in _begin (tqdm is imported there)
        self._started = False
        self.closed = False
        if not defer:
            self._begin()

    # ----- public ---------------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def set_total(self, total: int) -> None:
        """Give (or change) the total once it is known."""
        total = int(total)
        if total == self.total:
            return
        self.total = total
        self._last_tenth = self._tenth(self.count)
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def update(self, n: int = 1, *, failed: int | bool = 0, note: str | None = None) -> None:
        """``n`` more items finished, ``failed`` of them failed; ``note`` says what is running now."""
        self.goto(self.count + int(n), failed=self.failed + int(failed), note=note)

    def goto(self, count: int, *, failed: int | None = None, note: str | None = None) -> None:
        """Set the number of finished items (including those done before) to ``count``."""
        if not self._started:
            self._begin()
        step = int(count) - self.count
        self.count = int(count)
        if failed is not None:
            self.failed = int(failed)
        if note is not None:
            self.note = note
        if self.mode == "bar":
            self._bar.set_postfix_str(self._postfix(), refresh=False)
            if step > 0:
                self._bar.update(step)
            else:
                self._bar.refresh()
        elif self.mode == "lines":
            now = time.perf_counter()
            tenth = self._tenth(self.count)
            finished = self.total is not None and self.count >= self.total
            if not finished and (tenth > self._last_tenth or now - self._last_line >= self.interval):
                self._line(self._progress_text(now))
            self._last_tenth = max(self._last_tenth, tenth)

    def message(self, text: str) -> None:
        """One whole line (a warning, a failed item) that does not run into the bar."""
        if self.mode == "quiet":
            return
        if self._bar is not None:
            from tqdm import tqdm

            tqdm.write(text, file=self.stream)
            self.stream.flush()
        else:
            self._line(text)

    def callback(self, done: int, total: int | None = None, *_rest) -> None:
        """A library callback ``progress(done, total, ...)``: absolute count, total (re)stated."""
        if total is not None:
            self.set_total(total)
        self.goto(done)

    def record_callback(self, describe=None):
        """A library callback ``progress(record)`` for live runs (``{'ok', 'arch', 'seed', 'reason'}``):
        one item each; a failed one is also reported as a line."""

        def report(rec: dict) -> None:
            ok = bool(rec.get("ok"))
            if not ok:
                what = describe(rec) if describe else f"arch {rec.get('arch')} seed {rec.get('seed')}"
                self.message(f"{self.label}: {what} FAILED ({rec.get('reason')})")
            self.update(failed=not ok)

        return report

    def close(self, error: BaseException | None = None) -> None:
        """End the stage: the final line, or where it stopped when ``error`` ended it."""
        if self.closed:
            return
        self.closed = True
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.mode == "quiet" or (error is not None and not self._started):
            return
        if not self._started:  # nothing happened at all: still say so
            self._begin()
        if error is not None:
            self._line(f"{self.label}: stopped at {self._count_text()} after {_secs(self.elapsed)}"
                       f" ({type(error).__name__})")
            return
        self._line(f"{self.label}: {self._count_text()} done in {_secs(self.elapsed)}, {self.failed} failed")

    # ----- internals ------------------------------------------------------------------------------
    def _tenth(self, count: int) -> int:
        if not self.total:
            return 0
        return min(10, math.floor(10 * count / self.total))

    def _count_text(self) -> str:
        return f"{self.count}/{self.total}" if self.total is not None else f"{self.count} {self.unit}"

    def _postfix(self) -> str:
        parts = [f"{self.failed} failed"] if self.failed else []
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    def _progress_text(self, now: float) -> str:
        elapsed = now - self.start
        text = f"{self.label}: {self._count_text()}"
        if self.total:
            text += f" ({100 * self.count / self.total:.0f}%)"
        text += f", {_secs(elapsed)}"
        if self.failed:
            text += f", {self.failed} failed"
        new = self.count - self.initial
        if self.total is not None and new > 0 and self.count < self.total:
            text += f", about {_secs(elapsed / new * (self.total - self.count))} left"
        if self.note:
            text += f" ({self.note})"
        return text

    def _begin(self) -> None:
        self._started = True
        if self.mode == "quiet":
            return
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, initial=self.count, desc=self.label, unit=self.unit[:-1]
                             if self.unit.endswith("s") else self.unit, file=self.stream, leave=False,
                             dynamic_ncols=True, mininterval=0.2, smoothing=0.1, disable=False)
            return
        if self.total is None:
            self._line(f"{self.label}: started (counting {self.unit} as they finish)")
        else:
            before = f" ({self.initial} already done)" if self.initial else ""
            self._line(f"{self.label}: {self.total} {self.unit}{before}")

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self._last_line = time.perf_counter()


@contextmanager
def stage_progress(total: int | None, label: str, quiet: bool = False, *, done: int = 0, unit: str = "runs",
                   stream: IO[str] | None = None, mode: Mode | bool = "auto", interval: float = INTERVAL,
                   defer: bool = False) -> Iterator[Progress]:
    """A :class:`Progress` for one stage, closed however the stage ends.

    ``total``: items in the stage (None: not known yet; :meth:`Progress.set_total` or the first
    :meth:`Progress.callback` gives it); ``done``: how many of them were finished before;
    ``defer``: print the first line (or draw the bar) only when the first item finishes, so
    that a user mistake found before any work starts is the only thing printed;
    ``quiet``: print nothing; ``stream``: default ``sys.stderr`` (looked up now);
    ``mode``: ``auto`` (a bar on a terminal, lines otherwise), ``bar``, ``lines`` or ``quiet``.
    The stage ends with ``LABEL: 3600/3600 done in 67 s, 0 failed`` (or ``LABEL: stopped at
    ...`` when an exception ends it; nothing when it ends before it started).
    """
    progress = Progress(total, label, quiet=quiet, done=done, unit=unit, stream=stream, mode=mode, interval=interval,
                        defer=defer)
    try:
        yield progress
    except BaseException as exc:
        progress.close(error=exc)
        raise
    progress.close()


def say(label: str, text: str, quiet: bool = False, stream: IO[str] | None = None) -> None:
    """One line ``LABEL: text`` on stderr (or ``stream``) unless ``quiet``."""
    if not quiet:
        out = stream if stream is not None else sys.stderr
        out.write(f"{label}: {text}\n")
        out.flush()


__all__ = ["INTERVAL", "MODES", "Progress", "is_terminal", "resolve_mode", "say", "stage_progress"]
