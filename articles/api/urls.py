"""Routes for the public (/api/v1/) and editor (/api/v1/editor/) article APIs."""

from rest_framework.routers import SimpleRouter

from . import editor_views, views

public = SimpleRouter()
public.register("articles", views.ArticleViewSet, basename="article")
public.register("authors", views.AuthorViewSet, basename="author")
public.register("sections", views.SectionViewSet, basename="section")
public.register("tags", views.TagViewSet, basename="tag")

editor = SimpleRouter()
editor.register("articles", editor_views.EditorArticleViewSet, basename="editor-article")
editor.register("authors", editor_views.EditorAuthorViewSet, basename="editor-author")
editor.register("sections", editor_views.EditorSectionViewSet, basename="editor-section")
editor.register("tags", editor_views.EditorTagViewSet, basename="editor-tag")
editor.register("outlets", editor_views.EditorOutletViewSet, basename="editor-outlet")

public_urlpatterns = public.urls
editor_urlpatterns = editor.urls
