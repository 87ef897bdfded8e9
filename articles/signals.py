"""Signals articles sends after a change commits; other apps and the cache listen."""

from django.dispatch import Signal

# Each is sent with `article_id`, only after the transaction committed.
article_published = Signal()
article_unpublished = Signal()
article_changed = Signal()
