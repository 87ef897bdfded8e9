"""A second process on the test's own PostgreSQL database, stopped with SIGKILL at a chosen point."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager

from django.db import connection


@contextmanager
def killed_midway(script: str):
    """Run `script` (Django set up by it) in a child process on this test's database; once it
    prints "inside", the body runs, then the child is killed with SIGKILL, as a worker would be."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    child = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
        yield child
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
