"""Where images are used. Apps that use images register a finder here; media imports none of them.

A finder is `finder(image_ids, viewer)`: `viewer` is the person who will read the answer (None:
the system, which sees everything). A use the viewer may not open comes back hidden: no label, no
link, counted only, so a shared photo does not tell a writer another writer's draft title."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Use:
    """One use of an image: what uses it, and where an editor can change that."""

    kind: str  # for programs (the API's `uses[].kind`): "article body", "lead image", ...
    label: str
    admin_url: str
    kind_label: "StrOrPromise" = ""  # for people: the kind in the reader's language
    hidden: bool = False  # the viewer may not open it: no label and no link, counted only

    @property
    def shown_kind(self) -> str:
        return str(self.kind_label or self.kind)


Finder = Callable[[list[int], Any], dict[int, list[Use]]]
_finders: list[Finder] = []


def hidden_use(kind: str, kind_label: "StrOrPromise" = "") -> Use:
    return Use(kind, "", "", kind_label, hidden=True)


def register(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def find(image_ids: Iterable[int], viewer: Any = None) -> dict[int, list[Use]]:
    """Uses of each image id, from every registered finder, as `viewer` may see them."""
    ids = list(image_ids)
    found: dict[int, list[Use]] = {image_id: [] for image_id in ids}
    for finder in _finders:
        for image_id, uses in finder(ids, viewer).items():
            found.setdefault(image_id, []).extend(uses)
    return found


def visible(found: list[Use]) -> list[Use]:
    return [use for use in found if not use.hidden]


def hidden_count(found: list[Use]) -> int:
    return sum(1 for use in found if use.hidden)


# Finders of the photos readers may fetch: `finder(image_ids) -> set of those in public use`
# (a published article's lead image or body, an author's avatar).
_public_finders: list[Callable[[list[int]], set[int]]] = []


def register_public(finder: Callable[[list[int]], set[int]]) -> None:
    if finder not in _public_finders:
        _public_finders.append(finder)


def in_public_use(image_ids: Iterable[int]) -> set[int]:
    ids = list(image_ids)
    found: set[int] = set()
    for finder in _public_finders:
        found |= finder([i for i in ids if i not in found])
    return found
