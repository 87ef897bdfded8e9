"""Articles made through the services, so the index follows them as it does in production."""

import pytest

from articles import services as article_services


@pytest.fixture
def relayed(django_capture_on_commit_callbacks):
    """Run a change with the change stream relaying it after the commit."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


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
