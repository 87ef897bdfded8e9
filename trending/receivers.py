"""Signal receivers: articles announce changes, trending keeps its eligible set current."""

from . import services


def article_state_changed(sender, *, article_id: int, **kwargs) -> None:
    services.eligibility_update(article_id=article_id)
