"""The Content-Security-Policy of every page people open (django-csp's CONTENT_SECURITY_POLICY).

The admin, the preview page and the API docs: no inline script without this response's nonce
(scripts are files under static/; the paragraph editor's import map carries the nonce), inline
styles allowed, photos from this site, its public address or the CDN in MEDIA_URL, no plugins,
no framing, forms posting only here. The JSON API under /api/v1/ carries none.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE


def _origin(url: str) -> list[str]:
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


def content_security_policy(media_url: str, public_base_url: str = "") -> dict:
    """`public_base_url`: photos' renditions are linked on this site's public address, which
    the admin may not share (admin.example.cn beside www.example.cn)."""
    return {
        "EXCLUDE_URL_PREFIXES": ["/api/v1/"],
        "DIRECTIVES": {
            "default-src": [SELF],
            # A page that needs an inline script (the paragraph editor's import map) marks it
            # with this response's nonce; no other inline script runs.
            "script-src": [SELF, NONCE],
            "style-src": [SELF, UNSAFE_INLINE],
            "img-src": list(dict.fromkeys([SELF, "data:", "blob:", *_origin(media_url), *_origin(public_base_url)])),
            "font-src": [SELF, "data:"],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        },
    }
