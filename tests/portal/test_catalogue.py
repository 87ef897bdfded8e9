"""The Chinese catalogue is complete: no entry untranslated or fuzzy, and the compiled `.mo`
that Django reads says what the `.po` says (`make messages` after editing)."""

import ast
import gettext
from pathlib import Path

PO = Path(__file__).resolve().parent.parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[dict]:
    """The catalogue's entries: flags, msgid (with context and plural) and every msgstr."""
    entries = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": set(), "msgid": None, "msgctxt": None, "plural": None, "msgstr": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                value = ast.literal_eval(line)
            else:
                keyword, _, rest = line.partition(" ")
                field, value = keyword, ast.literal_eval(rest)
                if field.startswith("msgstr"):
                    entry["msgstr"][field] = ""
            if field == "msgid":
                entry["msgid"] = (entry["msgid"] or "") + value
            elif field == "msgctxt":
                entry["msgctxt"] = (entry["msgctxt"] or "") + value
            elif field == "msgid_plural":
                entry["plural"] = (entry["plural"] or "") + value
            elif field and field.startswith("msgstr"):
                entry["msgstr"][field] += value
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = [e for e in _entries(PO.read_text(encoding="utf-8")) if e["msgid"]]
    assert len(entries) > 250
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    with open(PO.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries(PO.read_text(encoding="utf-8")):
        if not entry["msgid"]:
            continue
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]
        if entry["plural"] is None:
            if compiled.gettext(key) != entry["msgstr"]["msgstr"]:
                stale.append(entry["msgid"])
        elif compiled.ngettext(key, entry["plural"], 1) != entry["msgstr"]["msgstr[0]"]:
            stale.append(entry["msgid"])
    assert stale == [], "run `make messages`"


def test_the_parser_sees_an_untranslated_and_a_fuzzy_entry():
    sample = 'msgid ""\nmsgstr "header"\n\n#, fuzzy\nmsgid "a"\nmsgstr "甲"\n\nmsgid "b"\n"c"\nmsgstr ""\n'
    entries = _entries(sample)
    assert [(e["msgid"], e["msgstr"]["msgstr"], "fuzzy" in e["flags"]) for e in entries[1:]] == [
        ("a", "甲", True),
        ("bc", "", False),
    ]
