"""Pure image operations: checking uploads, reading credits, planning and making renditions.

Nothing here touches the database or storage, so each rule is testable with
images made in memory.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, IptcImagePlugin, UnidentifiedImageError, features

# Formats we accept, whatever the file name says. Detection is by content only.
ACCEPTED = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "avif": "avif"}
MIME_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif", "png": "image/png", "gif": "image/gif"}

ORIENTATION_TAG = 0x0112
ARTIST_TAG = 0x013B
COPYRIGHT_TAG = 0x8298
DESCRIPTION_TAG = 0x010E


class ImageRejected(Exception):
    """An upload we will not take; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Spec:
    """A named rendition: a width, or a crop of width x height around the focal point."""

    name: str
    width: int
    height: int | None = None

    @property
    def is_crop(self) -> bool:
        return self.height is not None


@dataclass(frozen=True)
class Probe:
    format: str  # one of ACCEPTED's values
    width: int  # after EXIF orientation
    height: int
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    spec: Spec
    format: str
    width: int
    height: int
    data: bytes
    # Time spent on this output: its share of the resize plus its own encoding (for metrics).
    seconds: float = 0.0


def supported_formats(wanted: list[str]) -> list[str]:
    """The rendition formats this Pillow can write (AVIF only where built in)."""
    return [name for name in wanted if name != "avif" or features.check("avif")]


# --- checking uploads ------------------------------------------------------------


def probe(data: bytes, *, max_pixels: int) -> Probe:
    """Check an upload fully and read its size and credit metadata.

    The canvas size is checked from the header before any pixel is decoded,
    so a decompression bomb costs nothing; then the (first) frame is decoded,
    at reduced scale for JPEG, to catch truncated or corrupt files.
    """
    if not data:
        raise ImageRejected(_("The file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data), formats=list(ACCEPTED))
    except UnidentifiedImageError:
        raise ImageRejected(_("This is not a JPEG, PNG, WebP or GIF image."), status=415) from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageRejected(_("The image canvas is too large."), status=413) from None
    except Exception as error:  # any decoder failure on hostile input is a bad upload
        raise ImageRejected(_("The image cannot be read: %(reason)s") % {"reason": error}) from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageRejected(
                _("The image is %(width)dx%(height)d (%(megapixels).0f megapixels); at most %(most).0f are accepted.")
                % {"width": width, "height": height, "megapixels": width * height / 1e6, "most": max_pixels / 1e6},
                status=413,
            )
        if width < 1 or height < 1:
            raise ImageRejected(_("The image has no pixels."))
        kind = ACCEPTED[image.format]
        try:
            if kind == "jpeg":
                image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
            image.load()  # first frame only, even for animations
        except Exception as error:
            raise ImageRejected(_("The image is truncated or corrupt: %(reason)s") % {"reason": error}) from None

        orientation = _orientation(image)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        metadata = read_metadata(image)
    return Probe(format=kind, width=width, height=height, metadata=metadata)


def _orientation(image: PILImage.Image) -> int:
    try:
        return int(image.getexif().get(ORIENTATION_TAG, 1))
    except Exception:
        return 1


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, bytes):
        for encoding in ("utf-8", "gb18030"):
            try:
                return value.decode(encoding).strip()
            except UnicodeDecodeError:
                continue
        return value.decode("latin-1").strip()
    text = str(value)
    try:  # Pillow reads EXIF text as Latin-1; UTF-8 written there comes back whole
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.strip()


XMP_FIELDS = {
    "creator": "{http://purl.org/dc/elements/1.1/}creator",
    "copyright": "{http://purl.org/dc/elements/1.1/}rights",
    "caption": "{http://purl.org/dc/elements/1.1/}description",
    "credit_line": "{http://ns.adobe.com/photoshop/1.0/}Credit",
    "usage_terms": "{http://ns.adobe.com/xap/1.0/rights/}UsageTerms",
}


def _xmp(image: PILImage.Image) -> dict[str, str]:
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if not raw:
        return {}
    if isinstance(raw, str):
        raw = raw.encode()
    start = raw.find(b"<x:xmpmeta")
    end = raw.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        return {}
    try:
        root = ElementTree.fromstring(raw[start : end + len(b"</x:xmpmeta>")])
    except Exception:  # malformed or hostile XMP is ignored, never fatal
        return {}
    found: dict[str, str] = {}
    for name, tag in XMP_FIELDS.items():
        element = root.find(f".//{tag}")
        if element is None:
            for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
                if tag in description.attrib:
                    found[name] = description.attrib[tag].strip()
                    break
            continue
        items = [li.text.strip() for li in element.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li") if li.text]
        text = "、".join(items) if items else (element.text or "").strip()
        if text:
            found[name] = text
    return found


def read_metadata(image: PILImage.Image) -> dict[str, str]:
    """Creator, credit line, copyright, caption and usage terms from IPTC, XMP and EXIF."""
    found: dict[str, str] = {}
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:
        iptc = {}
    for name, key in (("creator", (2, 80)), ("credit_line", (2, 110)), ("copyright", (2, 116)), ("caption", (2, 120))):
        if key in iptc and _text(iptc[key]):
            found[name] = _text(iptc[key])
    for name, value in _xmp(image).items():
        found.setdefault(name, value)
    try:
        exif = image.getexif()
    except Exception:
        exif = {}
    for name, tag in (("creator", ARTIST_TAG), ("copyright", COPYRIGHT_TAG), ("caption", DESCRIPTION_TAG)):
        if tag in exif and _text(exif[tag]):
            found.setdefault(name, _text(exif[tag]))
    return {name: value[:1000] for name, value in found.items() if value}


# --- planning renditions ------------------------------------------------------------


def crop_box(spec: Spec, width: int, height: int, focal: tuple[float, float]) -> tuple[float, float, float, float]:
    """The source region for `spec` as fractions (left, top, right, bottom) of the oriented image."""
    if not spec.is_crop:
        return (0.0, 0.0, 1.0, 1.0)
    target_ratio = spec.width / spec.height
    if width / height > target_ratio:  # too wide: full height, a window of the width
        fraction = (height * target_ratio) / width
        left = min(max(focal[0] - fraction / 2, 0.0), 1.0 - fraction)
        return (left, 0.0, left + fraction, 1.0)
    fraction = (width / target_ratio) / height
    top = min(max(focal[1] - fraction / 2, 0.0), 1.0 - fraction)
    return (0.0, top, 1.0, top + fraction)


def output_size(spec: Spec, width: int, height: int, focal: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """The rendition's size: the spec's, never larger than the source (no upscaling)."""
    left, top, right, bottom = crop_box(spec, width, height, focal)
    region_w, region_h = (right - left) * width, (bottom - top) * height
    if spec.is_crop:
        scale = min(1.0, spec.width / region_w)
        return max(1, round(region_w * scale)), max(1, round(region_h * scale))
    scale = min(1.0, spec.width / region_w)
    return max(1, round(region_w * scale)), max(1, round(region_h * scale))


# --- making renditions ------------------------------------------------------------------


SRGB = ImageCms.createProfile("sRGB")


def _color_transform(image: PILImage.Image, mode: str):
    """A transform from the embedded ICC profile to sRGB, or None when none is needed."""
    icc = image.info.get("icc_profile")
    if not icc:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(source) or ""
        if mode in ("RGB", "RGBA") and "sRGB" in description:
            return None
        output = "RGBA" if mode == "RGBA" else "RGB"
        return ImageCms.buildTransform(source, SRGB, mode, output, renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except Exception:  # a broken profile: fall back to plain conversion
        return None


def _normalise_mode(image: PILImage.Image) -> PILImage.Image:
    """Bring any mode to RGB, RGBA or CMYK (CMYK is converted after resizing, with its profile)."""
    if image.mode in ("RGB", "RGBA", "CMYK"):
        return image
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "PA"):
        return image.convert("RGBA")
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit and wider greys: scale to 8 bits instead of clipping at 255.
        maximum = 65535 if image.mode.startswith("I;16") else (image.getextrema()[1] or 1)
        grey = image.convert("I") if image.mode != "I" else image
        return grey.point(lambda value: value * (255 / maximum)).convert("L").convert("RGB")
    if image.mode == "RGBa":
        return image.convert("RGBA")
    return image.convert("RGB")


def _metadata_bytes(copyright_notice: str) -> tuple[bytes | None, bytes | None]:
    """EXIF with only the copyright notice, and XMP dc:rights for text EXIF cannot hold."""
    if not copyright_notice:
        return None, None
    exif = PILImage.Exif()
    # EXIF says ASCII; UTF-8 bytes keep Chinese notices readable to tools that assume it.
    exif[COPYRIGHT_TAG] = copyright_notice.encode("utf-8")
    escaped = copyright_notice.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:rights><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{escaped}</rdf:li></rdf:Alt></dc:rights></rdf:Description></rdf:RDF>'
        '</x:xmpmeta><?xpacket end="w"?>'
    ).encode()
    return exif.tobytes(), xmp


def _encode(image: PILImage.Image, kind: str, options: dict, exif: bytes | None, xmp: bytes | None) -> bytes:
    if kind == "jpeg" and image.mode == "RGBA":
        flat = PILImage.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    extra: dict[str, Any] = {}
    if exif:
        extra["exif"] = exif
    if xmp and kind in ("jpeg", "webp"):
        extra["xmp"] = xmp
    image.save(buffer, format=kind.upper(), **options, **extra)
    return buffer.getvalue()


def render(
    data: bytes,
    specs: list[Spec],
    formats: list[str],
    *,
    focal: tuple[float, float] = (0.5, 0.5),
    copyright_notice: str = "",
    encode_options: dict[str, dict] | None = None,
) -> list[Output]:
    """Every spec in every format from one decode of the source.

    JPEGs are decoded at the smallest scale that still covers the largest
    output (`draft`); then outputs are made largest first, each from a copy
    reduced by a whole factor (`reduce`, a cheap box filter) to about twice
    its size before the final Lanczos resample. EXIF orientation is applied,
    colours are brought to sRGB through the embedded profile, and metadata is
    stripped except the copyright notice.
    """
    encode_options = encode_options or {}
    image = PILImage.open(io.BytesIO(data))
    orientation = _orientation(image)
    raw_w, raw_h = image.size
    turned = orientation in (5, 6, 7, 8)
    oriented_w, oriented_h = (raw_h, raw_w) if turned else (raw_w, raw_h)
    plans = []
    for spec in specs:
        box = crop_box(spec, oriented_w, oriented_h, focal)
        size = output_size(spec, oriented_w, oriented_h, focal)
        # The full-frame width this output needs, whatever part of the frame it shows.
        need_w = size[0] / (box[2] - box[0])
        plans.append((spec, box, size, need_w))
    if image.format == "JPEG":
        need_w = max(plan[3] for plan in plans)
        need_h = need_w * oriented_h / oriented_w
        if turned:
            need_w, need_h = need_h, need_w
        image.draft(image.mode, (int(need_w) + 1, int(need_h) + 1))
    image.load()
    icc = image.info.get("icc_profile")
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
    image = _normalise_mode(image)
    if icc:
        image.info["icc_profile"] = icc
    transform = _color_transform(image, image.mode)
    exif, xmp = _metadata_bytes(copyright_notice)

    outputs: list[Output] = []
    working = image
    for spec, box, size, need_w in sorted(plans, key=lambda plan: plan[3], reverse=True):
        # Outputs come largest first, so each reduction still covers every later one.
        resize_started = time.perf_counter()
        factor = int(working.width / (need_w * 2))
        if factor >= 2:
            working = working.reduce(factor)
        pixel_box = (box[0] * working.width, box[1] * working.height, box[2] * working.width, box[3] * working.height)
        resized = working.resize(size, PILImage.Resampling.LANCZOS, box=pixel_box)
        if transform is not None:
            resized = ImageCms.applyTransform(resized, transform)
        elif resized.mode == "CMYK":
            resized = resized.convert("RGB")
        share = (time.perf_counter() - resize_started) / max(1, len(formats))
        for kind in formats:
            encode_started = time.perf_counter()
            encoded = _encode(resized, kind, encode_options.get(kind, {}), exif, xmp)
            spent = share + time.perf_counter() - encode_started
            outputs.append(Output(spec=spec, format=kind, width=size[0], height=size[1], data=encoded, seconds=spent))
    return outputs
