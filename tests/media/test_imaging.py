"""Pure image rules: what uploads are accepted, what renditions look like. No database."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms

from media import imaging
from tests.media.images import photo, with_exif, with_xmp

SPECS = [
    imaging.Spec("320w", 320),
    imaging.Spec("1600w", 1600),
    imaging.Spec("square", 600, 600),
    imaging.Spec("social", 1200, 630),
]
MAX = 60_000_000


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_probe_reads_format_by_content_and_size():
    found = imaging.probe(photo(640, 480, fmt="PNG"), max_pixels=MAX)

    assert (found.format, found.width, found.height) == ("png", 640, 480)


@pytest.mark.parametrize(
    "data, status",
    [
        (b"", 400),
        (b"\x00" * 5000, 415),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 415),
        (b"<html><script>alert(1)</script></html>", 415),
        (b"GIF89a<script>alert(document.cookie)</script>" + b"\x00" * 100, 415),
        (b"\x89PNG\r\n\x1a\n<html><body>not a png</body></html>", 415),
        (b"\xff\xd8\xff\xe0 not really a jpeg", 400),
    ],
)
def test_probe_refuses_what_is_not_a_served_image(data, status):
    with pytest.raises(imaging.ImageRejected) as error:
        imaging.probe(data, max_pixels=MAX)

    assert error.value.status == status


def test_probe_refuses_truncated_jpeg():
    data = photo(800, 600)

    with pytest.raises(imaging.ImageRejected) as error:
        imaging.probe(data[: len(data) // 2], max_pixels=MAX)

    assert "truncated" in str(error.value) or "corrupt" in str(error.value)


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "ICO"])
def test_formats_we_do_not_serve_are_415(fmt):
    with pytest.raises(imaging.ImageRejected) as error:
        imaging.probe(photo(64, 64, fmt=fmt), max_pixels=MAX)

    assert error.value.status == 415


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG declaring a huge canvas (the data would inflate to width x height)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = zlib.compress(b"\x00" * (width + 1) * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png_bomb(30000, 30000)  # 900 megapixels in a few hundred bytes

    with pytest.raises(imaging.ImageRejected) as error:
        imaging.probe(bomb, max_pixels=MAX)

    assert len(bomb) < 2000
    assert error.value.status == 413


def test_animated_gif_takes_the_first_frame_quickly():
    frames = [Image.new("P", (200, 100), color) for color in range(250)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)

    found = imaging.probe(buffer.getvalue(), max_pixels=MAX)
    outputs = imaging.render(buffer.getvalue(), [imaging.Spec("320w", 320)], ["jpeg"])

    assert (found.format, found.width, found.height) == ("gif", 200, 100)
    assert (outputs[0].width, outputs[0].height) == (200, 100)


def test_metadata_prefill_from_xmp_in_chinese():
    data = with_xmp(photo(), creator="张三", rights="© 新华社", caption="巴库夜景", credit="新华社")

    found = imaging.probe(data, max_pixels=MAX).metadata

    assert found == {"creator": "张三", "copyright": "© 新华社", "caption": "巴库夜景", "credit_line": "新华社"}


def test_metadata_prefill_from_iptc():
    data = photo()
    image = Image.open(io.BytesIO(data))
    # IPTC-NAA record 2: 80 by-line, 116 copyright, 120 caption (UTF-8).
    iptc = b"".join(
        b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(value)) + value
        for dataset, value in ((80, "李四".encode()), (116, "© 澎湃影像".encode()), (120, "当地时间8月18日".encode()))
    )
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    app13 = b"Photoshop 3.0\x00" + resource
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    raw = buffer.getvalue()
    segment = b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13
    data = raw[:2] + segment + raw[2:]

    found = imaging.probe(data, max_pixels=MAX).metadata

    assert found["creator"] == "李四"
    assert found["copyright"] == "© 澎湃影像"
    assert found["caption"] == "当地时间8月18日"


def test_output_sizes_never_upscale():
    assert imaging.output_size(imaging.Spec("1600w", 1600), 800, 600) == (800, 600)
    assert imaging.output_size(imaging.Spec("320w", 320), 3000, 2000) == (320, 213)
    assert imaging.output_size(imaging.Spec("social", 1200, 630), 3000, 2000) == (1200, 630)
    assert imaging.output_size(imaging.Spec("social", 1200, 630), 600, 400) == (600, 315)


def test_crop_keeps_the_focal_point_in_frame():
    left, top, right, bottom = imaging.crop_box(imaging.Spec("square", 600, 600), 3000, 2000, (0.9, 0.5))

    assert (top, bottom) == (0.0, 1.0)
    assert left <= 0.9 <= right
    assert right == pytest.approx(1.0)


def test_render_makes_every_spec_and_format_with_right_sizes():
    outputs = imaging.render(photo(3000, 2000), SPECS, ["jpeg", "webp"])

    sizes = {(o.spec.name, o.format): (o.width, o.height) for o in outputs}
    assert sizes == {
        ("320w", "jpeg"): (320, 213),
        ("320w", "webp"): (320, 213),
        ("1600w", "jpeg"): (1600, 1067),
        ("1600w", "webp"): (1600, 1067),
        ("square", "jpeg"): (600, 600),
        ("square", "webp"): (600, 600),
        ("social", "jpeg"): (1200, 630),
        ("social", "webp"): (1200, 630),
    }
    for output in outputs:
        image = _open(output.data)
        assert image.format == output.format.upper()
        assert image.size == (output.width, output.height)


def test_exif_orientation_is_applied():
    data = with_exif(photo(1200, 800), **{"274": 6})  # rotate 90 degrees clockwise on display

    found = imaging.probe(data, max_pixels=MAX)
    (output,) = imaging.render(data, [imaging.Spec("320w", 320)], ["jpeg"])

    assert (found.width, found.height) == (800, 1200)
    assert (output.width, output.height) == (320, 480)
    # The green corner mark (top-left of the stored pixels) is top-right once turned.
    image = _open(output.data)
    red, green, blue = image.getpixel((output.width - 5, 5))
    assert green > 150 and red < 100


def test_gps_and_camera_serials_are_stripped_but_copyright_kept():
    data = with_exif(photo(), **{"271": "Camera Maker", "42033": "SERIAL-12345", "33432": "old"})

    (output,) = imaging.render(data, [imaging.Spec("320w", 320)], ["jpeg"], copyright_notice="© 澎湃影像")

    image = _open(output.data)
    exif = image.getexif()
    assert 271 not in exif and 42033 not in exif and 34853 not in exif
    assert exif[33432].encode("latin-1").decode("utf-8") == "© 澎湃影像"
    assert "澎湃影像".encode() in image.info["xmp"]


def test_alpha_goes_onto_white_for_jpeg_and_stays_for_webp():
    image = Image.new("RGBA", (400, 300), (255, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    jpeg, webp = imaging.render(buffer.getvalue(), [imaging.Spec("320w", 320)], ["jpeg", "webp"])

    assert _open(jpeg.data).getpixel((10, 10)) >= (250, 250, 250)
    assert _open(webp.data).mode == "RGBA"


def test_cmyk_palette_and_16_bit_images_convert_to_rgb():
    cmyk = photo(400, 300, mode="CMYK")
    palette = photo(400, 300, mode="P", fmt="PNG")
    sixteen = Image.linear_gradient("L").resize((400, 300)).convert("I;16")
    sixteen = sixteen.point(lambda v: v * 256)
    buffer = io.BytesIO()
    sixteen.save(buffer, "PNG")

    for data in (cmyk, palette, buffer.getvalue()):
        (output,) = imaging.render(data, [imaging.Spec("320w", 320)], ["jpeg"])
        image = _open(output.data)
        assert image.mode == "RGB"
    bottom = _open(imaging.render(buffer.getvalue(), [imaging.Spec("320w", 320)], ["jpeg"])[0].data)
    assert bottom.getpixel((10, 230))[0] > 150  # bright, not clipped to white or black everywhere
    assert bottom.getpixel((10, 5))[0] < 60


def test_embedded_icc_profile_is_converted_to_srgb():
    # An RGB profile that does not call itself sRGB (the same primaries, renamed), so the
    # conversion runs; the colours must come through unchanged and no profile is embedded.
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profile = profile.replace(b"sRGB", b"xRGB").replace("sRGB".encode("utf-16-be"), "xRGB".encode("utf-16-be"))
    assert "sRGB" not in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    image = Image.new("RGB", (400, 300), (200, 100, 50))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", icc_profile=profile, quality=95)
    source = Image.open(io.BytesIO(buffer.getvalue()))
    assert imaging._color_transform(source, "RGB") is not None

    (output,) = imaging.render(buffer.getvalue(), [imaging.Spec("320w", 320)], ["jpeg"])

    result = _open(output.data)
    assert not result.info.get("icc_profile")
    red, green, blue = result.getpixel((100, 100))
    assert abs(red - 200) < 8 and abs(green - 100) < 8 and abs(blue - 50) < 8


def test_animated_webp_takes_the_first_frame():
    frames = [Image.new("RGB", (160, 90), (i, 255 - i, 0)) for i in range(0, 250, 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], duration=10)

    found = imaging.probe(buffer.getvalue(), max_pixels=MAX)
    (output,) = imaging.render(buffer.getvalue(), [imaging.Spec("320w", 320)], ["jpeg"])

    assert (found.format, found.width, found.height) == ("webp", 160, 90)
    assert _open(output.data).getpixel((80, 45))[1] > 200  # the first frame is green


def test_large_jpeg_is_decoded_at_reduced_scale():
    data = photo(6000, 4000, quality=70)

    (output,) = imaging.render(data, [imaging.Spec("320w", 320)], ["jpeg"])

    assert (output.width, output.height) == (320, 213)
