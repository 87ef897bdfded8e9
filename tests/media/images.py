"""Test photos made in memory with Pillow."""

import io

from PIL import Image, ImageDraw, IptcImagePlugin, TiffImagePlugin  # noqa: F401


def photo(width: int = 1200, height: int = 800, *, mode: str = "RGB", fmt: str = "JPEG", **save) -> bytes:
    """A picture with shapes and a gradient, so resizing has something to do."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for i in range(0, width, max(width // 8, 1)):
        draw.ellipse((i, height // 4, i + width // 10, height // 4 + width // 10), fill=(200, 40, 40))
    draw.rectangle((0, 0, width // 10, height // 10), fill=(20, 200, 20))  # a mark in the top-left corner
    if mode != "RGB":
        base = base.convert(mode)
    buffer = io.BytesIO()
    base.save(buffer, fmt, **save)
    return buffer.getvalue()


def with_exif(data: bytes, **tags) -> bytes:
    image = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[int(tag.lstrip("t"), 16) if tag.startswith("t") else int(tag)] = value
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


XMP_TEMPLATE = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Credit="{credit}">
<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>
<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{rights}</rdf:li></rdf:Alt></dc:rights>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def with_xmp(data: bytes, *, creator: str, rights: str, caption: str, credit: str) -> bytes:
    image = Image.open(io.BytesIO(data))
    xmp = XMP_TEMPLATE.format(creator=creator, rights=rights, caption=caption, credit=credit).encode()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", xmp=xmp, quality=90)
    return buffer.getvalue()
