"""Files in the media storage: written once under their name, deleted quietly."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def store_file(name: str, data: bytes) -> bool:
    """Write `data` under exactly `name`; False if it was already there."""
    if default_storage.exists(name):
        return False
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # another process wrote the same content a moment ago
        default_storage.delete(saved)
        return False
    return True


def delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name, exc_info=True)
