"""The keeper of "which author took this photo" that the photo library asks (media.photographers)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from .models import Author, Photographer


class AuthorPhotographers:
    def authors_of(self, image_ids: list[int]) -> dict[int, int]:
        return dict(Photographer.objects.filter(image_id__in=image_ids).values_list("image_id", "author_id"))

    def author(self, author_id: int) -> Author | None:
        return Author.objects.filter(pk=author_id).first()

    def link(self, image_id: int, author: Author | None) -> None:
        if author is None:
            Photographer.objects.filter(image_id=image_id).delete()
        else:
            Photographer.objects.update_or_create(image_id=image_id, defaults={"author": author})

    def form_field(self) -> forms.Field:
        from django.contrib import admin

        return forms.ModelChoiceField(
            queryset=Author.objects.all(),
            required=False,
            label=_("photographer (author)"),
            help_text=_("When one of our authors took it: their author page can show it."),
            widget=AutocompleteSelect(Photographer._meta.get_field("author"), admin.site),
        )
