"""Every write to articles and their taxonomy, one function per use case.

The admin, the editor API and Celery tasks all call these, so each rule (rights, states, slugs,
sanitising, derived fields) lives in one place. One module per use case:

- `rules`: what may be written and by whom, and the fields derived from it;
- `writing`: create, update, restore, delete, corrections;
- `workflow`: the table of moves between states and the services that make them;
- `revisions`: snapshots kept at every save; `changes`: the outbox event of a save;
- `taxonomy`: sections, tags, authors, outlets; `sessions`: who has an article open.
"""

from .errors import ArticleStateError, ArticleVersionConflict, InUse, SlugConflict
from .revisions import revision_baseline
from .rules import ROW_FIELDS, BlockInput, BylineInput, clean_block_for_admin, summary_from_blocks
from .sessions import edit_session_leave, edit_session_touch
from .taxonomy import taxonomy_delete, taxonomy_save, taxonomy_slug
from .workflow import (
    TRANSITIONS,
    Transition,
    article_publish,
    article_schedule,
    article_submit,
    article_unpublish,
    article_unschedule,
    publish_due,
    schedule_time_check,
    transition_allowed,
)
from .writing import article_create, article_delete, article_restore, article_update, correction_add

__all__ = [
    "ROW_FIELDS",
    "TRANSITIONS",
    "ArticleStateError",
    "ArticleVersionConflict",
    "BlockInput",
    "BylineInput",
    "InUse",
    "SlugConflict",
    "Transition",
    "article_create",
    "article_delete",
    "article_publish",
    "article_restore",
    "article_schedule",
    "article_submit",
    "article_unpublish",
    "article_unschedule",
    "article_update",
    "clean_block_for_admin",
    "correction_add",
    "edit_session_leave",
    "edit_session_touch",
    "publish_due",
    "revision_baseline",
    "schedule_time_check",
    "summary_from_blocks",
    "taxonomy_delete",
    "taxonomy_save",
    "taxonomy_slug",
    "transition_allowed",
]
