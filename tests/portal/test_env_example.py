"""`.env.example` names every setting Portal reads from the environment, so an operator finds
each one (and its default) in one file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("portal", "core", "media", "articles", "trending", "search", "distribution")
# env.str("NAME", ...), env("NAME"), os.environ.get("NAME"), os.environ["NAME"], os.getenv("NAME")
READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(\s*|os\.environ(?:\.get)?\(\s*|os\.environ\[|getenv\(\s*|\b_int\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)
# ${NAME:-default} in the start scripts
SCRIPT_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]+):-")
# Set by Portal for its own processes, or the standard ones every Python program reads.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR_FROZEN"}


def read_from_environment() -> set[str]:
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names |= set(READ.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "deploy").glob("*.py"):  # gunicorn's configuration
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "scripts").glob("*.sh"):
        names |= set(SCRIPT_READ.findall(path.read_text(encoding="utf-8")))
    return names - NOT_SETTINGS


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_every_setting_read_from_the_environment_is_in_env_example():
    assert sorted(read_from_environment() - documented()) == []


def test_the_check_finds_each_way_of_reading_the_environment():
    sample = """
    A = env.str("FIRST_ONE", default="")
    B = env("SECOND_ONE")
    C = os.environ.get("THIRD_ONE")
    D = os.environ["FOURTH_ONE"]
    E = os.getenv('FIFTH_ONE')
    F = env.list(
        "SIXTH_ONE", default=[])
    """
    assert set(READ.findall(sample)) == {"FIRST_ONE", "SECOND_ONE", "THIRD_ONE", "FOURTH_ONE", "FIFTH_ONE", "SIXTH_ONE"}
    assert SCRIPT_READ.findall('ROLES=",${SERVE_ROLES:-web}," BIN=${PORTAL_BIN:-.venv/bin}') == [
        "SERVE_ROLES",
        "PORTAL_BIN",
    ]
    assert "SECRET_KEY" not in documented()  # only names at the start of a line count
