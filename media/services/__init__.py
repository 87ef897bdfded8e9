"""Every write of the photo library, by use case: `images` (uploads, credits and rights,
deletion, expiry), `renditions` (made by the photo workers, looked up, asked for) and
`agencies`."""

from .agencies import AgencyInUse, agency_delete, agency_save
from .images import (
    EDITABLE,
    ImageInUse,
    image_create,
    image_delete,
    image_read_upload,
    image_update,
    images_sweep_expired,
)
from .renditions import (
    RENDITION_REQUEST_SECONDS,
    enqueue_renditions,
    rendition_lookup,
    renditions_generate,
    renditions_request,
    renditions_sweep_missing,
)

__all__ = [
    "EDITABLE",
    "RENDITION_REQUEST_SECONDS",
    "AgencyInUse",
    "ImageInUse",
    "agency_delete",
    "agency_save",
    "enqueue_renditions",
    "image_create",
    "image_delete",
    "image_read_upload",
    "image_update",
    "images_sweep_expired",
    "rendition_lookup",
    "renditions_generate",
    "renditions_request",
    "renditions_sweep_missing",
]
