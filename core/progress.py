"""Progress of a long-running command: a bar redrawn in place on a terminal, a line per step
otherwise (a log collector, `nohup`, CI), each with the rate and the time left.

    progress = Progress(self.stdout, "documents")
    documents_rebuild(progress=progress)   # calls progress(done, total) after each batch
    progress.finish()
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO, what: str, *, every_seconds: float = 10.0, clock=time.monotonic) -> None:
        self.stream = stream
        self.what = what
        self.every = every_seconds  # without a terminal: at most one line this often (and the last)
        self.clock = clock
        self.started = clock()
        self.shown_at: float | None = None
        self.drawn = False
        self.done = 0
        self.total = 0
        isatty = getattr(stream, "isatty", None)
        self.interactive = bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = self.clock()
        if self.interactive:
            self._write("\r" + self.line(now))
            self.drawn = True
        elif done >= total or self.shown_at is None or now - self.shown_at >= self.every:
            self._write(self.line(now) + "\n")
            self.shown_at = now

    def _write(self, text: str) -> None:
        if hasattr(self.stream, "style_func"):  # a command's OutputWrapper: no ending of its own
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else None
        share = self.done / self.total if self.total else 1.0
        filled = min(WIDTH, int(WIDTH * share))
        eta = f", {_duration(left)} left" if left is not None and self.done < self.total else ""
        return (
            f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done:,}/{self.total:,} {self.what}"
            f" ({share:.0%}, {rate:,.0f}/s{eta})"
        )

    def finish(self) -> float:
        """End the bar's line; returns the seconds since the start."""
        if self.drawn:
            self._write("\n")
            self.drawn = False
        return self.clock() - self.started


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"
