"""Demo photos: landscapes drawn with Pillow, with agency, staff and file-photo credits."""

import io
import random
from datetime import timedelta

from django.utils import timezone

from media import imaging
from media import services as media_services
from media.models import Agency, Image

PLACES = ["巴库", "里加", "开罗", "利马", "奥斯陆", "河内", "内罗毕", "蒙得维的亚", "济南", "昆明", "兰州", "厦门"]

PHOTO_CAPTIONS = [
    "当地时间{day}日，{place}街头的行人。",
    "{place}一处港口的夜景。",
    "{place}的市民在公园中休憩。",
    "{place}新建成的轨道交通站台。",
    "{place}博物馆内，观众正在参观展品。",
    "{place}郊外的风力发电场。",
]


def _demo_photo(rng: random.Random, width: int = 1600, height: int = 1067) -> bytes:
    """A generated picture: sky and ground gradients with a few shapes."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    sky = (rng.randint(60, 140), rng.randint(120, 190), rng.randint(180, 240))
    ground = (rng.randint(40, 120), rng.randint(90, 150), rng.randint(40, 90))
    picture = PILImage.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(picture)
    horizon = rng.randint(height // 2, height * 3 // 4)
    draw.rectangle((0, horizon, width, height), fill=ground)
    for _ in range(rng.randint(4, 9)):
        x, w, h = rng.randint(0, width), rng.randint(60, 220), rng.randint(100, 500)
        shade = rng.randint(70, 200)
        draw.rectangle((x, horizon - h, x + w, horizon), fill=(shade, shade - 20, shade - 40))
    draw.ellipse((width * 0.75, height * 0.1, width * 0.75 + 120, height * 0.1 + 120), fill=(255, 236, 170))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def demo_photos(*, by, count: int = 12, seed: int = 7) -> list[Image]:
    """Photos with credits as newsrooms print them; one expires soon, one already has."""
    rng = random.Random(seed)
    agencies = {
        name: Agency.objects.get_or_create(name=name, defaults={"url": url})[0]
        for name, url in (("澎湃影像", "https://www.thepaper.cn/"), ("新华社", "https://www.news.cn/"))
    }
    photographers = ["刘晨", "马一帆", "孙望", "吴越"]
    photos = []
    now = timezone.now()
    for index in range(count):
        data = _demo_photo(rng)
        probe = imaging.probe(data, max_pixels=60_000_000)
        place = rng.choice(PLACES)
        fields = {
            "caption": rng.choice(PHOTO_CAPTIONS).format(day=rng.randint(1, 28), place=place),
            "alt": f"{place}的照片",
            "focal_x": round(rng.uniform(0.3, 0.7), 2),
            "focal_y": 0.45,
        }
        kind = index % 4
        if kind == 0:
            fields.update(agency=agencies["澎湃影像"], license=Image.License.AGENCY, copyright="© 澎湃影像")
        elif kind == 1:
            fields.update(
                agency=agencies["新华社"],
                creator=rng.choice(photographers),
                license=Image.License.AGENCY,
                copyright="© 新华社",
            )
        elif kind == 2:
            fields.update(creator=rng.choice(photographers), license=Image.License.STAFF, copyright="© Portal")
        else:
            fields.update(credit_line="资料图", license=Image.License.FILE)
        if index == 1:
            fields["rights_expire_at"] = now + timedelta(days=3)  # shows in "expire within 7 days"
        if index == 3:
            fields["rights_expire_at"] = now - timedelta(days=1)  # already gone from public answers
        image, _ = media_services.image_create(data=data, probe=probe, by=by, **fields)
        photos.append(image)
    return photos
