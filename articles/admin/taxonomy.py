"""Sections, tags, authors and outlets in the admin: saves and deletes through the services."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Author, Outlet, Section, Tag
from .forms import IMAGE_CHOOSER_JS

URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class TaxonomyAdmin(admin.ModelAdmin):
    """Names used in articles; saving purges cached public answers."""

    formfield_overrides = URL_FIELDS

    def save_model(self, request, obj, form, change):
        services.taxonomy_save(instance=obj, by=request.user)

    def delete_model(self, request, obj):
        services.taxonomy_delete(instance=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.taxonomy_delete(instance=obj, by=request.user)


@admin.register(Author)
class AuthorAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "affiliation", "user", "article_count"]
    list_filter = [("affiliation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "affiliation__name"]
    autocomplete_fields = ["affiliation", "user", "avatar"]
    prepopulated_fields: dict = {}

    class Media:
        js = IMAGE_CHOOSER_JS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("affiliation", "user")
            .annotate(n_articles=Count("bylines__article", distinct=True))
            .order_by("name", "id")
        )

    @admin.display(description=_("article count"), ordering="n_articles")
    def article_count(self, obj) -> int:
        return obj.n_articles


@admin.register(Outlet)
class OutletAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]


@admin.register(Section)
class SectionAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]


@admin.register(Tag)
class TagAdmin(TaxonomyAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
