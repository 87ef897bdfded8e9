from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(r"^feeds/(?P<fmt>rss|atom|json)/$", views.feed, name="feed"),
    re_path(
        r"^feeds/(?P<fmt>rss|atom|json)/(?P<kind>section|author|tag)/(?P<slug>[^/]+)/$", views.feed, name="feed-scoped"
    ),
    path("sitemap.xml", views.sitemap_index, name="sitemap-index"),
    path("sitemaps/articles-<int:number>.xml", views.sitemap_articles, name="sitemap-articles"),
    path("sitemaps/news.xml", views.news_sitemap, name="sitemap-news"),
    path("sitemaps/news-<int:number>.xml", views.news_sitemap, name="sitemap-news-page"),
]
