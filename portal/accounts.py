"""API tokens (django-rest-knox): stored hashed, expiring, listed and revoked by their owner.

`POST /api/v1/auth/token/` with `{"username","password"}` answers `{"token","expiry"}`: a new
token on every login (one per device or script), shown this once, kept only as its SHA-512
digest. A token expires API_TOKEN_TTL_DAYS after it was last used (knox's auto refresh). Its
owner lists their tokens (`GET auth/tokens/`), revokes one (`DELETE auth/tokens/{id}/`), the
one in use (`POST auth/logout/`) or all (`POST auth/logout-all/`). Changing a password
revokes every token of that account.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from knox.settings import knox_settings
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import TokenAuthentication
from core.throttling import ScopedRateThrottle

TOKEN_ANSWER = inline_serializer(
    "TokenResponse", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
)
TOKEN_ITEMS = inline_serializer(
    "TokenItem",
    {
        "id": serializers.CharField(help_text="The token's first characters: enough to tell it apart, not to use it."),
        "created": serializers.DateTimeField(),
        "expiry": serializers.DateTimeField(allow_null=True),
        "current": serializers.BooleanField(help_text="The token this request was made with."),
    },
    many=True,
)


class TokenView(APIView):
    """Log in: a new token for this device or script."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        tags=["auth"],
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: TOKEN_ANSWER},
    )
    def post(self, request):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            # django-axes marks the request it was given (DRF's wrapper) when the account is
            # locked at this address: answer 429 as the admin does, not "wrong password".
            if getattr(request, "axes_locked_out", False):
                from .lockout import lockout_response

                return lockout_response(request._request)
            raise serializers.ValidationError(credentials.errors)
        user = credentials.validated_data["user"]
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token, "expiry": instance.expiry})


class TokenListView(APIView):
    """Your tokens that still work, newest first."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(tags=["auth"], responses={200: TOKEN_ITEMS})
    def get(self, request):
        now = timezone.now()
        tokens = AuthToken.objects.filter(user=request.user).order_by("-created")
        current = getattr(request.auth, "digest", None)
        return Response(
            [
                {"id": t.token_key, "created": t.created, "expiry": t.expiry, "current": t.digest == current}
                for t in tokens
                if t.expiry is None or t.expiry > now
            ]
        )


class TokenDetailView(APIView):
    """Revoke one of your tokens (a lost laptop, a retired script)."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(tags=["auth"], responses={204: OpenApiResponse(description="Revoked.")})
    def delete(self, request, token_id: str):
        deleted, _kinds = AuthToken.objects.filter(user=request.user, token_key=token_id).delete()
        if not deleted:
            raise NotFound(_("You have no token with this id."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(KnoxLogoutView):
    """Revoke the token this request was made with."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(tags=["auth"], request=None, responses={204: OpenApiResponse(description="Logged out.")})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    """Revoke every token of your account."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(tags=["auth"], request=None, responses={204: OpenApiResponse(description="Logged out everywhere.")})
    def post(self, request, format=None):
        return super().post(request, format)


# Changing a password revokes every token of the account, however it is changed (the admin,
# `manage.py changepassword`, a reset): Django's set_password() keeps the new password in
# `_password` until the save that stores it has sent post_save.


def _revoke_tokens_after_password_change(sender, instance, created, **kwargs) -> None:
    if not created and getattr(instance, "_password", None) is not None:
        AuthToken.objects.filter(user=instance).delete()


def connect_signals() -> None:
    post_save.connect(
        _revoke_tokens_after_password_change, sender=get_user_model(), dispatch_uid="portal-token-rotation"
    )


def tokens_prune(*, now=None) -> int:
    """Delete every expired token: an expired digest is dead weight and tells of old logins."""
    deleted, _kinds = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted
