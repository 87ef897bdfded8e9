"""No text can poison the change stream: whatever a writer pastes, a published article passes
every consumer (documents, search on this database, feeds, the rail's store, purges, webhooks),
is found by search, and its retraction reaches every consumer too."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles import services as article_services
from core import outbox
from core import search as core_search
from core.models import ConsumerWork
from search import text as search_text

pytestmark = pytest.mark.django_db

LETTERS = "abcdefghijklmnopqrstuvwxyz"
HOSTILE = st.one_of(
    # One Latin word longer than any lexeme PostgreSQL takes (2,047 bytes).
    st.integers(2_048, 4_000).map(lambda n: "a" * n),
    st.text(alphabet=LETTERS, min_size=2_100, max_size=3_000),
    # A pasted URL of 2,500 characters.
    st.text(alphabet=LETTERS + "0123456789%-_", min_size=2_450, max_size=2_550).map(
        lambda s: "https://example.com/" + s
    ),
    # Ten thousand Chinese characters without punctuation.
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=9_000, max_size=10_000),
    # Emoji runs, with joiners and skin tones.
    st.text(alphabet=st.sampled_from("😀👍🏽👨‍👩‍👧🇨🇳🔥\u200d"), min_size=200, max_size=3_000),
    # Letters under piles of combining marks (Zalgo).
    st.text(alphabet=LETTERS, min_size=1, max_size=40).map(lambda s: "".join(c + "\u0301\u0336\u034f" * 20 for c in s)),
    # Anything printable at all, every script mixed.
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Co")), min_size=1, max_size=3_000),
    # Four-byte letters (mathematical alphanumerics fold to ASCII; old Italic does not).
    st.text(alphabet=st.characters(min_codepoint=0x10300, max_codepoint=0x1031E), min_size=600, max_size=1_500),
)


def _published(editor, paragraph: str):
    article = article_services.article_create(
        by=editor, title="含有异常文字的稿件", body=[{"type": "paragraph", "text": paragraph}]
    )
    article_services.article_publish(article_id=article.pk, by=editor)
    return article


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(paragraph=HOSTILE)
@example(paragraph="a" * 3_000)
@example(paragraph="https://example.com/" + "x" * 2_480)
def test_hostile_text_passes_every_consumer_and_is_found(editor, relayed, paragraph):
    article = relayed(_published, editor, paragraph)

    left = list(ConsumerWork.objects.filter(subject=f"article:{article.pk}").values_list("consumer", "last_error"))
    assert left == []
    words = [t for t in search_text.tokens(paragraph) if len(t) > 1]
    if words:
        sql, params = core_search.matching(words[0])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert article.pk in {row[0] for row in cursor.fetchall()}

    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)
    assert not ConsumerWork.objects.filter(subject=f"article:{article.pk}").exists()
    assert outbox.lag_seconds() == 0.0
