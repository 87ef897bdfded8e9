"""Where uploads and renditions live: local files (the default) or S3-compatible object storage.

`MEDIA_STORAGE_URL=s3://bucket?endpoint=https://s3.example.com&region=cn-north-1&prefix=portal`
selects django-storages' S3 backend; keys in the URL (`s3://KEY:SECRET@bucket`) or boto3's usual
sources (`AWS_ACCESS_KEY_ID`, an instance role). Every process of every host then sees the same
files. Readers never fetch from the bucket's own address: a file's URL is `MEDIA_URL` joined
with its name, a CDN in production or this site's `/uploads/`, which reads through the storage.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def storages_for(url: str) -> dict:
    """The STORAGES setting for MEDIA_STORAGE_URL (blank: local files under MEDIA_ROOT)."""
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if not url:
        return {"default": LOCAL, "staticfiles": static}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must look like s3://bucket?endpoint=https://host")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "prefix", "addressing"}
    if unknown:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown parameters {', '.join(sorted(unknown))}")
    options = {
        "bucket_name": parts.hostname,
        "endpoint_url": query.get("endpoint") or None,
        "region_name": query.get("region") or None,
        "location": query.get("prefix", "").strip("/"),
        # Path-style addressing suits most S3-compatible servers (MinIO, Ceph, moto).
        "addressing_style": query.get("addressing", "path"),
        # Private objects, plain names: readers come through MEDIA_URL, never the bucket.
        "default_acl": None,
        "querystring_auth": False,
        "file_overwrite": False,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return {"default": {"BACKEND": "core.storage.ObjectStorage", "OPTIONS": options}, "staticfiles": static}


@functools.cache
def _object_storage_class():
    from storages.backends.s3 import S3Storage

    class ObjectStorage(S3Storage):
        """django-storages' S3 backend whose URLs are MEDIA_URL's, not the bucket's."""

        def url(self, name, parameters=None, expire=None, http_method=None):
            from django.conf import settings
            from django.utils.encoding import filepath_to_uri

            return settings.MEDIA_URL.rstrip("/") + "/" + filepath_to_uri(name).lstrip("/")

    return ObjectStorage


def __getattr__(name: str):
    # boto3 is imported only by a process that uses object storage.
    if name == "ObjectStorage":
        return _object_storage_class()
    raise AttributeError(name)
