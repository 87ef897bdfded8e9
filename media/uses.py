"""Where images are used. Apps that use images register a finder here; media imports none of them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Use:
    """One use of an image: what uses it, and where an editor can change that."""

    kind: str  # for programs (the API's `uses[].kind`): "article body", "lead image", ...
    label: str
    admin_url: str
    kind_label: str = ""  # for people: the kind in the reader's language

    @property
    def shown_kind(self) -> str:
        return str(self.kind_label or self.kind)


_finders: list[Callable[[Iterable[int]], dict[int, list[Use]]]] = []


def register(finder: Callable[[Iterable[int]], dict[int, list[Use]]]) -> None:
    if finder not in _finders:
        _finders.append(finder)


def find(image_ids: Iterable[int]) -> dict[int, list[Use]]:
    """Uses of each image id, from every registered finder."""
    ids = list(image_ids)
    found: dict[int, list[Use]] = {image_id: [] for image_id in ids}
    for finder in _finders:
        for image_id, uses in finder(ids).items():
            found.setdefault(image_id, []).extend(uses)
    return found
