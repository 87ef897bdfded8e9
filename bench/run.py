"""`make bench`: run every benchmark and print its figures as ratios to in-run baselines."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_reads, renditions  # noqa: E402


def main() -> int:
    failures = []
    results = api_reads.main()
    if results["list"] < 0.5:
        failures.append("list below 0.5 x trivial")
    if results["detail"] < 0.6:
        failures.append("detail below 0.6 x trivial")
    results = renditions.main()
    if results["all"] < 2.5:
        failures.append("full rendition set below 2.5x plain Pillow")
    if results["small"] < 3:
        failures.append("small renditions below 3x plain Pillow")
    if results["peak_mb"] >= 200:
        failures.append("peak memory 200 MB or more")
    for failure in failures:
        print(f"MISSED TARGET: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
