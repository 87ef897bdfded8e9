"""The pagination's own links are DRF's links, built with less work."""

import pytest
from rest_framework.utils.urls import replace_query_param

from core.pagination import LinkMaker


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/api/v1/articles/",
        "http://testserver/api/v1/articles/?cursor=old",
        "https://news.example/api/v1/articles/?section=world&page_size=5",
        "http://testserver/api/v1/articles/?published_before=2026-12-01T08%3A00%3A00%2B08%3A00",
        "http://testserver/api/v1/articles/?tag=%E4%BF%84%E7%BD%97%E6%96%AF&q=%E4%B8%AD%E5%9B%BD+%E7%BB%8F%E6%B5%8E",
        "http://testserver/api/v1/articles/?b=2&a=1&b=1&empty=&cursor=x&zeta=%26%3D",
        "http://[::1]:8000/api/v1/articles/?a+b=c+d",
    ],
)
@pytest.mark.parametrize("value", ["cD0yMDI2LTEyLTAx", "bz0xJnI9MSZwPTIwMjY=", "a b/c+d"])
def test_a_link_is_the_one_drf_would_write(url, value):
    assert LinkMaker(url, "cursor").with_value(value) == replace_query_param(url, "cursor", value)
