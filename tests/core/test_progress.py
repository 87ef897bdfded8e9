"""Long commands show how far they are: a bar redrawn in place on a terminal, a line at most
every few seconds otherwise (and always the last), with the rate and the time left."""

import io

from django.core.management.base import OutputWrapper

from core.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_a_line_every_ten_seconds_and_the_last():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, "documents", clock=clock)
    for done in range(0, 1001, 100):
        progress(done, 1000)
        clock.now += 4  # 25 documents a second
    lines = out.getvalue().splitlines()

    assert len(lines) == 5  # at 0, 12, 24, 36 s and the last
    assert lines[1] == "[#########.....................] 300/1,000 documents (30%, 25/s, 28 s left)"
    assert lines[-1].startswith("[##############################] 1,000/1,000 documents (100%")
    assert "left" not in lines[-1] and "\r" not in out.getvalue()


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_ended_once():
    out, clock = Terminal(), Clock()
    wrapped = OutputWrapper(out)  # a command's stdout adds a line ending unless told not to
    progress = Progress(wrapped, "articles", clock=clock)
    progress(0, 90_000)
    clock.now += 60
    progress(30_000, 90_000)
    seconds = progress.finish()

    assert out.getvalue().count("\r") == 2 and out.getvalue().endswith("\n") and out.getvalue().count("\n") == 1
    assert "30,000/90,000 articles (33%, 500/s, 2 min 00 s left)" in out.getvalue()
    assert seconds == 60
