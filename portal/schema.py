"""The OpenAPI schema, made exact where drf-spectacular leaves it vague: every error an operation
can answer is documented with its typed body, and operations are grouped by tags."""

from __future__ import annotations

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in English."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each field (or `non_field_errors`, or `detail`) names what is wrong with it: a list of "
    "messages, or for nested input (body blocks, events) the errors of each item.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}
THROTTLED = {**DETAIL, "description": "Too many requests; `Retry-After` says when to try again."}

_ERRORS = {
    "400": ("Bad input: each field with its messages.", "FieldErrors"),
    "404": ("Nothing here, or not yours to see.", "Detail"),
    "429": ("Throttled or locked out; see `Retry-After`.", "Throttled"),
    "503": ("A service (database, cache) is down; see `Retry-After`.", "Detail"),
}
_AUTHENTICATED = {
    "401": ("No or a bad token.", "Detail"),
    "403": ("Your role may not do this.", "Detail"),
}
_WRITES = {
    "409": ("Conflicts with the article's state or a unique name.", "Detail"),
    "412": ("`If-Match` names an older version.", "Detail"),
    "413": ("Too large.", "Detail"),
    "415": ("Not a media type this endpoint takes.", "Detail"),
    "428": ("`If-Match` is required.", "Detail"),
}

# Tags by path: the docs group operations this way.
_TAGS = (
    ("/api/v1/editor/images/", "media"),
    ("/api/v1/editor/agencies/", "media"),
    ("/api/v1/images/", "media"),
    ("/api/v1/editor/trending/", "trending"),
    ("/api/v1/trending/", "trending"),
    ("/api/v1/editor/", "editor"),
    ("/api/v1/auth/", "auth"),
    ("/api/v1/", "articles"),
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: typed error answers on every operation, and tags."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Detail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    schemas.setdefault("Throttled", THROTTLED)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            errors = dict(_ERRORS)
            if operation.get("security") and {} not in operation["security"]:
                errors.update(_AUTHENTICATED)
            elif path.startswith(("/api/v1/editor/", "/api/v1/auth/tokens/", "/api/v1/auth/logout")):
                errors.update(_AUTHENTICATED)
            if method != "get":
                errors.update(_WRITES)
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in errors.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}
                )
            tag = next((name for prefix, name in _TAGS if path.startswith(prefix)), None)
            if tag:
                operation["tags"] = [tag]
    return result
