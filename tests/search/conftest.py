"""Articles made through the services, so the index follows them as it does in production."""

import pytest

from articles import services as article_services


@pytest.fixture
def write(editor, relayed):
    """`write(title, summary=..., body=[texts], publish=True, **fields)` -> the article."""

    def make(title, *, summary="", body=(), publish=True, **fields):
        blocks = [{"type": "paragraph", "text": text} for text in body]
        article = relayed(
            article_services.article_create, by=editor, title=title, summary=summary, body=blocks, **fields
        )
        if publish:
            relayed(article_services.article_publish, article_id=article.pk, by=editor)
        return article

    return make


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [item["id"] for item in answer.json()["results"]]
