"""Images stored through the real upload service."""

from media import imaging, services
from tests.media.images import photo


def make_image(by, *, width: int = 1200, height: int = 800, seed: int = 0, **fields):
    data = photo(width, height, quality=80 + seed % 15)
    probe = imaging.probe(data, max_pixels=60_000_000)
    image, _ = services.image_create(data=data, probe=probe, by=by, **fields)
    return image
