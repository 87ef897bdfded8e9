"""An agency carries the licence and credit format its photos get unless an editor says otherwise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from media.models import Agency, Image
from tests.media.factories import make_image
from tests.media.images import photo

pytestmark = pytest.mark.django_db


def test_a_photo_of_an_agency_takes_its_licence_unless_one_is_chosen(photo_editor):
    thepaper = Agency.objects.create(name="澎湃影像")  # an agency's photos are agency photos by default
    handouts = Agency.objects.create(name="外交部", default_license=Image.License.HANDOUT)

    assert make_image(photo_editor, agency=thepaper).license == "agency"
    assert make_image(photo_editor, seed=1, agency=handouts).license == "handout"
    assert make_image(photo_editor, seed=2, agency=thepaper, license="cc-by").license == "cc-by"
    assert make_image(photo_editor, seed=3).license == "staff"  # no agency: our own photographer's


def test_the_admin_upload_form_leaves_the_licence_to_the_agency(photo_editor):
    agency = Agency.objects.create(name="澎湃影像")
    client = Client()
    client.force_login(photo_editor)
    page = client.get("/admin/media/image/add/").content.decode()
    assert '<option value="" selected>' in page

    response = client.post(
        "/admin/media/image/add/",
        {
            "upload": SimpleUploadedFile("p.jpg", photo()),
            "agency": str(agency.pk),
            "license": "",
            "creator": "王五",
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )

    assert response.status_code == 302
    assert Image.objects.get().license == "agency"


def test_an_agency_formats_its_credit(photo_editor):
    xinhua = Agency.objects.create(name="新华社", credit_format="{creator}/{agency}")
    plain = Agency.objects.create(name="澎湃影像")

    assert make_image(photo_editor, agency=xinhua, creator="李四").display_credit == "李四/新华社"
    assert make_image(photo_editor, seed=1, agency=plain, creator="王五").display_credit == "澎湃影像记者 王五 摄"


@pytest.mark.parametrize("bad", ["{name}", "{0}", "{agency!r}", "{agency:>999999999}", "{agency.name}", "{", "}{"])
def test_a_credit_format_names_only_agency_and_creator(editor_api, bad):
    response = editor_api.post("/api/v1/editor/agencies/", {"name": "某图片社", "credit_format": bad}, format="json")

    assert response.status_code == 400, (bad, response.content)
    assert "credit_format" in response.json()
    assert not Agency.objects.exists()


def test_agencies_over_the_api_carry_their_defaults(editor_api):
    made = editor_api.post(
        "/api/v1/editor/agencies/",
        {"name": "新华社", "default_license": "handout", "credit_format": "{agency}/{creator}"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert (made.json()["default_license"], made.json()["credit_format"]) == ("handout", "{agency}/{creator}")


def test_the_photo_page_names_the_author_who_took_it(photo_editor, media_root):
    from articles.models import Author, Photographer

    staff = Author.objects.create(name="摄影部 王强", slug="wangqiang")
    client = Client()
    client.force_login(photo_editor)
    page = client.get("/admin/media/image/add/").content.decode()
    assert 'name="creator_author"' in page and "data-ajax--url" in page  # the author chooser

    response = client.post(
        "/admin/media/image/add/",
        {
            "upload": SimpleUploadedFile("p.jpg", photo(seed=5)),
            "license": "staff",
            "creator_author": str(staff.pk),
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert Photographer.objects.get(image=image).author == staff
    change = client.get(f"/admin/media/image/{image.pk}/change/").content.decode()
    assert f'<option value="{staff.pk}" selected>摄影部 王强</option>' in change
