"""`load_demo` on a production site: refused without consent, and never touches an account."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article

pytestmark = pytest.mark.django_db


def test_load_demo_refuses_a_site_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--i-know-this-is-production"):
        call_command("load_demo", "--articles", "2")

    assert not get_user_model().objects.exists() and not Article.objects.exists()


def test_with_consent_it_loads_but_never_resets_a_password_or_adds_a_role(settings, capsys):
    settings.DEBUG = False
    User = get_user_model()
    own = User.objects.create_user(username="editor", password="the-newsroom's-own-secret", is_staff=True)

    call_command("load_demo", "--articles", "2", "--i-know-this-is-production")

    own.refresh_from_db()
    assert own.check_password("the-newsroom's-own-secret") and not own.groups.exists()
    assert User.objects.get(username="writer").check_password("portal-writer")
    printed = capsys.readouterr().out
    assert "portal-editor" not in printed and "portal-writer" in printed
    assert Article.objects.exists()
