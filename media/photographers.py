"""Which of the newsroom's authors took a photo, when one did.

The photo library knows no authors: the app that does (articles) keeps the link and registers
its keeper here at start-up, so no media model or migration points up the line. Without a
keeper (media on its own) no photo has an author and naming one is refused.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Keeper(Protocol):
    def authors_of(self, image_ids: list[int]) -> dict[int, int]:
        """Image id to author id, for the images that have one."""

    def author(self, author_id: int) -> Any | None:
        """The author with this id, or None."""

    def link(self, image_id: int, author: Any | None) -> None:
        """Make `author` the photo's photographer (None: no author), in the caller's transaction."""

    def form_field(self) -> Any:
        """The admin's chooser of an author for the photo page."""


_keeper: Keeper | None = None


def register(keeper: Keeper) -> None:
    global _keeper
    _keeper = keeper


def authors_of(image_ids: list[int]) -> dict[int, int]:
    return _keeper.authors_of(list(image_ids)) if _keeper is not None and image_ids else {}


def author(author_id: int) -> Any:
    """The author named by id; ValidationError when there is none."""
    found = _keeper.author(author_id) if _keeper is not None else None
    if found is None:
        raise ValidationError({"creator_author": [_("No author has this id.")]})
    return found


def link(image_id: int, author: Any | None) -> None:
    if _keeper is not None:
        _keeper.link(image_id, author)


def form_field():
    """The photo page's author chooser, or None without a keeper."""
    return _keeper.form_field() if _keeper is not None else None
