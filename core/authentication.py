"""`Authorization: Token …` checked by django-rest-knox, refusing what no token can be first."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's, with a clear 401 for a token that is not plain ASCII or far too long (knox
    would fail decoding it: a 500 from a header anyone can send)."""

    def authenticate_credentials(self, token: bytes):
        if not token.isascii() or len(token) > 200:
            raise AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes it (drf-spectacular knows knox's own class, not ours)."""

    target_class = "core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from `POST /api/v1/auth/token/`, sent as "Token <token>".',
        }
