"""What a change does to feeds and sitemaps: the keys of the answers it reaches."""

from __future__ import annotations

FEED, SITEMAP = "feed", "sitemap"


def keys_consumer(event) -> None:
    """Outbox consumer: name the feeds and sitemaps a public article change reaches.

    Feeds carry their articles' keys and `list`, as list pages do, so an edit reaches the feeds
    showing the article and a move between lists (`list`, added by the documents consumer)
    reaches every feed. Sitemaps list every public article with its last change, so every
    public article event reaches them (`sitemap`); `feed` names feeds and sitemaps together.
    """
    kind, _, _action = event.type.partition(".")
    if kind != "article" or event.type == "article.edited":
        return  # a draft's change is seen by no feed or sitemap
    keys = set(event.keys) | {SITEMAP}
    if "list" in keys:
        keys.add(FEED)
    event.keys = sorted(keys)
