"""One address cannot push a story up the rail by making up visitor ids (defect 13.5)."""

import pytest

from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def test_one_address_cannot_count_more_than_its_cap_with_made_up_visitors(settings, api, store):
    settings.TRENDING_VIEWS_PER_ADDRESS = 10
    article = ArticleFactory()

    tallies = [
        api.post(
            "/api/v1/trending/events/",
            {"events": [{"article": article.pk, "visitor": f"fake-{batch}-{n}"} for n in range(100)]},
            format="json",
            HTTP_USER_AGENT=BROWSER,
            REMOTE_ADDR="203.0.113.66",
        ).json()
        for batch in range(3)
    ]
    neighbour = api.post(
        "/api/v1/trending/events/",
        {"article": article.pk},
        format="json",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="198.51.100.3",
    ).json()

    assert sum(t["accepted"] for t in tallies) == 10
    assert sum(t["limited"] for t in tallies) == 290
    assert neighbour["accepted"] == 1


def test_a_trusted_log_shipper_is_not_capped(settings, api, store):
    settings.TRENDING_VIEWS_PER_ADDRESS = 10
    settings.TRENDING_TRUSTED_SENDERS = ["192.0.2.0/28"]
    article = ArticleFactory()

    tally = api.post(
        "/api/v1/trending/events/",
        {"events": [{"article": article.pk, "visitor": f"reader-{n}", "user_agent": BROWSER} for n in range(60)]},
        format="json",
        HTTP_USER_AGENT="fluent-bit/3.1",
        REMOTE_ADDR="192.0.2.5",
    ).json()

    assert (tally["accepted"], tally["limited"]) == (60, 0)


def test_an_ipv6_client_is_capped_by_its_64_not_by_each_address(settings, api, store):
    settings.TRENDING_VIEWS_PER_ADDRESS = 10
    article = ArticleFactory()

    def send(address, visitor):
        return api.post(
            "/api/v1/trending/events/",
            {"article": article.pk, "visitor": visitor},
            format="json",
            HTTP_USER_AGENT=BROWSER,
            REMOTE_ADDR=address,
        ).json()

    # One line's /64 walks through 30 of its 2**64 addresses.
    same_line = [send(f"2001:db8:1:2::{n:x}", f"fake-{n}") for n in range(1, 31)]
    next_line = send("2001:db8:1:3::1", "someone-else")

    assert sum(t["accepted"] for t in same_line) == 10
    assert next_line["accepted"] == 1
