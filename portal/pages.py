"""HTML pages for people rather than frontends: the editors' signed article preview."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles import selectors as article_selectors
from articles.documents.representation import ArticleDetailSerializer, block_representation
from articles.models import Article, Block, Revision
from articles.preview import PreviewExpired, PreviewRevoked, PreviewUnknown, preview_open
from media.models import Image
from media.selectors import image_public
from trending import selectors as trending_selectors


def _picture(image: dict | None) -> dict | None:
    """The rendition a plain page shows: 640 wide, JPEG, else the first there is."""
    if not image:
        return None
    renditions = image.get("renditions") or []
    chosen = next((r for r in renditions if r["name"] == "640w" and r["format"] == "jpeg"), None)
    chosen = chosen or (renditions[0] if renditions else None)
    return {**image, "src": chosen["url"] if chosen else ""}


def _as_minted(article: Article, revision: Revision) -> dict:
    """The page's article as it was at the revision a link was made for, in the detail's shape:
    a link shows what its holder was sent to read, never a later edit."""
    saved = revision.data
    images = Image.objects.in_bulk([b["image"] for b in saved["body"] if b.get("image")] + [saved.get("lead_image")])
    blocks = [
        Block(type=b["type"], text=b["text"], attribution=b.get("attribution") or "", image=images.get(b.get("image")))
        for b in saved["body"]
        if b["type"] != Block.Type.IMAGE or b.get("image") in images
    ]
    body = [shown for shown in (block_representation(block) for block in blocks) if shown is not None]
    lead = images.get(saved.get("lead_image"))
    return {
        "id": article.pk,
        "title": saved["title"],
        "summary": saved["summary"] or saved.get("derived_summary", ""),
        "section": saved["section"],
        "tags": saved["tags"],
        "source": saved["source"],
        "original_url": saved.get("original_url", ""),
        "bylines": [{"author": {"name": b["name"]}, "role": b["role"]} for b in saved["bylines"]],
        "body": body,
        "lead_image": image_public(lead, caption=saved.get("lead_image_caption", "")) if lead else None,
        "corrections": saved["corrections"],
        "related": [{"id": r["id"], "title": r["name"]} for r in saved["related"]],
        "view_count": article.view_count,
    }


def _refusal(request, status: int, message: str):
    response = render(request, "preview/refused.html", {"message": message}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def article_preview(request, token: str):
    """The article as readers will get it from the API, laid out like a news page, whatever its status."""
    try:
        link = preview_open(token)
    except PreviewExpired:
        return _refusal(request, 410, _("This preview link has expired; make a new one in the admin."))
    except PreviewRevoked:
        return _refusal(request, 410, _("An editor revoked this preview link."))
    except PreviewUnknown:
        return _refusal(request, 404, _("This preview link is not valid (or the article was deleted)."))

    article = (
        article_selectors.article_detail_queryset(Article.objects.filter(pk=link.article_id))
        .select_related("created_by")
        .first()
    )
    minted = None
    if article.version != link.version:
        minted = Revision.objects.filter(article=article, version=link.version).order_by("-number").first()
        if minted is None:  # its revision was pruned: the link cannot show what it was made for
            return _refusal(request, 410, _("This preview link's version is no longer kept; make a new link."))
    if minted is not None:
        data = _as_minted(article, minted)
        saved_photos = sum(1 for b in minted.data["body"] if b["type"] == "image")
    else:
        related = article_selectors.article_related(article=article)
        data = ArticleDetailSerializer(article, context={"related": {article.pk: related}}).data
        saved_photos = sum(1 for b in article.blocks.all() if b.type == "image")
    hidden_photos = saved_photos - sum(1 for b in data["body"] if b["type"] == "image")
    body = [{**block, "image": _picture(block.get("image"))} for block in data["body"]]
    rail = trending_selectors.snapshot_read("now", "") or {"items": []}
    context = {
        "article": data,
        "status": article.get_status_display(),
        "is_public": article.is_published,
        "published_at": article.published_at,
        "lead": _picture(data.get("lead_image")),
        "body": body,
        "hidden_photos": hidden_photos,
        "rail": rail["items"][:20],
        "now": timezone.now(),
        "link_version": link.version,
        "article_version": article.version,
        "changed_since": article.version != link.version,
        "expires_at": link.expires_at,
    }
    response = render(request, "preview/article.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
