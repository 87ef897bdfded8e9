"""Work after a commit: tasks reach the queue only once what they need is saved."""

import base64
import json
from pathlib import Path

from core import announce
from portal.celery import app


def _queued(queue: Path, before: set[Path]) -> list[tuple[str, list]]:
    found = []
    for path in sorted(set(queue.iterdir()) - before):
        message = json.loads(path.read_text())
        found.append((message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]))
        path.unlink()
    return found


def test_a_task_is_queued_only_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    from media.tasks import renditions_generate_task

    queue = Path(app.conf.broker_transport_options["data_folder_in"])
    before = set(queue.iterdir())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        announce.enqueue_after_commit(renditions_generate_task, 7, copies=2, otherwise="the sweep")
        assert set(queue.iterdir()) == before  # not before the commit

    assert len(callbacks) == 1
    assert _queued(queue, before) == [("media.tasks.renditions_generate_task", [7])] * 2


def test_a_task_that_cannot_be_queued_is_logged_and_the_caller_goes_on(caplog):
    class Unreachable:
        name = "portal.unreachable"

        def apply_async(self, **kwargs):
            raise ConnectionRefusedError("the broker is down")

    announce.enqueue(Unreachable(), otherwise="the beat sweep sends it")

    assert "could not queue portal.unreachable; the beat sweep sends it" in caplog.text
