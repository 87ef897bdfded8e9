"""Every write of the trending app, by use case: `ingest` (view events), `eligibility` (which
articles may count), `refresh` (rails, view counts, store upkeep) and `curation` (pins and
exclusions)."""

from .curation import exclusion_create, exclusion_delete, pin_create, pin_delete
from .eligibility import ELIGIBLE_SYNCED, eligibility_consumer, eligibility_sync, eligibility_update
from .ingest import events_record, is_crawler, source_key, visitor_key
from .refresh import REFRESH_LOCK, store_maintain, trending_refresh, view_counts_flush

__all__ = [
    "ELIGIBLE_SYNCED",
    "REFRESH_LOCK",
    "eligibility_consumer",
    "eligibility_sync",
    "eligibility_update",
    "events_record",
    "exclusion_create",
    "exclusion_delete",
    "is_crawler",
    "pin_create",
    "pin_delete",
    "source_key",
    "store_maintain",
    "trending_refresh",
    "view_counts_flush",
    "visitor_key",
]
