"""`manage.py outbox_relay`: the relay loop, handing due change-stream work to its consumers.

The saving process relays its own events right after the commit; this loop does everything
else: retries with back-off, purges that failed while Redis or the CDN was down, and queued CDN
purges once their window has passed. It needs only the database, so it goes on while the
broker is down, and picks up a fault's backlog within OUTBOX_POLL_SECONDS of its end. Any
number of loops may run (row locks share the work); serve.sh starts one per worker host.
"""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from core import outbox

logger = logging.getLogger("core.outbox")


class Command(BaseCommand):
    help = "Relay due change-stream work and send queued CDN purges, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="relay what is due now, then stop")

    def handle(self, *args, once: bool = False, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("outbox relay: running")
        while not stopping:
            wait = settings.OUTBOX_POLL_SECONDS
            try:
                close_old_connections()
                # A saving process relays its own events right after its commit; this loop takes
                # what it left (a crash, a retry) once it has had that moment.
                grace = settings.OUTBOX_RELAY_GRACE_SECONDS if settings.OUTBOX_RELAY_ON_COMMIT else 0.0
                outbox.relay_all(seconds=5, grace=grace)
                wait = outbox.next_due_in(at_most=settings.OUTBOX_POLL_SECONDS)
                for send, due_in in outbox.queues().values():  # the CDN purges (distribution)
                    if due_in() <= 0:
                        send()
                    wait = min(wait, due_in())
            except DatabaseError:  # a database blip: the loop outlives it
                logger.warning("outbox relay: database unavailable; trying again", exc_info=True)
                close_old_connections()
                wait = 1.0
            if once:
                break
            time.sleep(max(0.02, wait))
        self.stdout.write("outbox relay: stopped")
