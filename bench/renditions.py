"""Rendition speed and memory, as ratios to plain Pillow measured in the same run.

20 generated 3000x2000 photos; our one-pass pipeline (draft, reduce, one decode
for every spec and format) against plain Pillow doing, for each output, open,
decode, LANCZOS resize and save. Both write the same specs and formats; plain
Pillow uses its default encoder settings. Peak memory is measured in a fresh
process rendering a 50-megapixel JPEG.
Targets: full set >= 2.5x faster, outputs a quarter of the source width or
smaller >= 3x, peak memory under 200 MB.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

PHOTOS = int(os.environ.get("BENCH_PHOTOS", "20"))


def generated_photo(seed: int, width: int = 3000, height: int = 2000) -> bytes:
    """A photo-like JPEG: smooth gradients, shapes and a little grain."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for i in range(12):
        x = (seed * 97 + i * 251) % width
        y = (seed * 53 + i * 173) % height
        draw.ellipse((x, y, x + 400, y + 300), fill=((seed * 40 + i * 20) % 255, 120, (i * 30) % 255))
    grain = Image.effect_noise((width // 4, height // 4), 30).resize((width, height)).convert("RGB")
    photo = Image.blend(base, grain, 0.15).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def plain_pillow(data: bytes, specs, formats) -> None:
    from media import imaging

    for spec in specs:
        for kind in formats:
            image = Image.open(io.BytesIO(data))
            image.load()
            w, h = image.size
            box = imaging.crop_box(spec, w, h, (0.5, 0.5))
            size = imaging.output_size(spec, w, h)
            resized = image.resize(size, Image.Resampling.LANCZOS, box=(box[0] * w, box[1] * h, box[2] * w, box[3] * h))
            resized.save(io.BytesIO(), kind.upper())


def timed(function, photos) -> float:
    started = time.perf_counter()
    for data in photos:
        function(data)
    return time.perf_counter() - started


def memory_probe(path: str) -> None:
    """Run in a fresh child process: its peak RSS while rendering the 50 MP JPEG at `path`."""
    import django

    django.setup()
    from django.conf import settings

    from media import imaging, selectors

    def high_water_kb() -> int:
        # VmHWM is this process's own peak; ru_maxrss would carry the parent's over from fork.
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc/self/status")

    data = Path(path).read_bytes()
    baseline = high_water_kb()
    imaging.render(data, selectors.specs(), selectors.formats(), encode_options=settings.MEDIA_ENCODE_OPTIONS)
    print(json.dumps({"baseline_kb": baseline, "peak_kb": high_water_kb()}))


def main() -> dict[str, float]:
    import django

    django.setup()
    from django.conf import settings

    from media import imaging, selectors

    specs, formats = selectors.specs(), selectors.formats()
    photos = [generated_photo(seed) for seed in range(PHOTOS)]
    small = [spec for spec in specs if imaging.output_size(spec, 3000, 2000)[0] <= 3000 // 4]
    options = settings.MEDIA_ENCODE_OPTIONS

    def ours(data):
        imaging.render(data, specs, formats, encode_options=options)

    def ours_small(data):
        imaging.render(data, small, formats, encode_options=options)

    print(
        f"renditions: {PHOTOS} photos 3000x2000, specs {', '.join(s.name for s in specs)}; formats {', '.join(formats)}"
    )
    ours(photos[0])  # warm up codecs
    plain_all = timed(lambda d: plain_pillow(d, specs, formats), photos)
    ours_all = timed(ours, photos)
    plain_small = timed(lambda d: plain_pillow(d, small, formats), photos)
    ours_small_time = timed(ours_small, photos)

    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".jpg") as large:
        large.write(generated_photo(7, 8660, 5774))  # 50 megapixels, made here so the child only renders
        large.flush()
        child = subprocess.run(
            [sys.executable, __file__, "--memory", large.name], capture_output=True, text=True, check=True, cwd=ROOT
        )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    peak_mb = memory["peak_kb"] / 1024
    growth_mb = (memory["peak_kb"] - memory["baseline_kb"]) / 1024

    results = {"all": plain_all / ours_all, "small": plain_small / ours_small_time, "peak_mb": peak_mb}
    print(f"  plain Pillow, full set: {plain_all / PHOTOS * 1000:.0f} ms a photo (baseline)")
    print(
        f"  full set ({len(specs) * len(formats)} files a photo): {ours_all / PHOTOS * 1000:.0f} ms a photo"
        f" = {results['all']:.2f}x faster than plain Pillow (target >= 2.5)"
    )
    print(
        f"  outputs <= a quarter of the source width ({', '.join(s.name for s in small)}):"
        f" {results['small']:.2f}x faster than plain Pillow (target >= 3)"
    )
    print(
        f"  peak memory rendering a 50-megapixel JPEG: {peak_mb:.0f} MB for the whole process"
        f" ({growth_mb:.0f} MB above it before rendering; target < 200 MB)"
    )
    return results


if __name__ == "__main__":
    if "--memory" in sys.argv:
        memory_probe(sys.argv[-1])
    else:
        main()
