"""Long operator commands as an operator runs them (issue 31): `documents_rebuild` shows progress,
stops cleanly on Ctrl-C after the batch under way, says how to go on, and going on renders only
what the first run had not reached."""

import re
import signal
import subprocess

import pytest

from .conftest import PYTHON, ROOT

pytestmark = pytest.mark.e2e


def _manage(env, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("processes", ["1", "2"])
def test_ctrl_c_stops_a_rebuild_cleanly_and_the_printed_command_resumes_it(site_env, processes):
    _manage(site_env, "load_demo", "--i-know-this-is-production", "--force", "--articles", "200")
    total = int(_manage(site_env, "shell", "-c", _PUBLIC).split()[-1])

    run = subprocess.Popen(
        [PYTHON, "manage.py", "documents_rebuild", "--all", "--batch", "1", "--processes", processes],
        cwd=ROOT, env=site_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert run.stdout is not None
    first = run.stdout.readline()  # the progress line at the start: it is under way
    assert f"0/{total:,} documents" in first, first
    run.send_signal(signal.SIGINT)
    rest = run.stdout.read()
    assert run.wait(timeout=60) == 130, first + rest

    stopped = int(re.search(r"Stopped after (\d+) documents", rest).group(1))
    resume = re.search(r"manage\.py (documents_rebuild .+)", rest).group(1).split()
    assert 0 <= stopped < total and "Traceback" not in rest
    assert resume[:2] == ["documents_rebuild", "--all"] and resume[2] == "--rendered-before"

    went_on = _manage(site_env, *resume)

    assert f"Rendered {total - stopped} documents" in went_on  # only what the first run had not reached
    left = total - stopped
    assert f"{left:,}/{left:,} documents (100%" in went_on


_PUBLIC = (
    "from articles.models import Article, PUBLIC_STATUSES; "
    "print(Article.objects.filter(status__in=PUBLIC_STATUSES).count())"
)
