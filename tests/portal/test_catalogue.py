"""The Chinese catalogue is complete: no entry untranslated or fuzzy, and the compiled `.mo`
that Django reads says what the `.po` says (`make messages` after editing)."""

import ast
import gettext
import re
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


# --- every message a user can see goes through the catalogue -----------------------------------

APPS = ("articles", "core", "distribution", "media", "portal", "search", "trending")
TRANSLATE = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Exceptions no user reads: programming errors, operators' command-line errors, and what a
# failing store, broker or CDN says to the log (the client gets the 503's own message).
INTERNAL = {
    "RuntimeError",
    "ValueError",
    "TypeError",
    "AssertionError",
    "ImproperlyConfigured",
    "CommandError",
    "StoreUnavailable",
    "PurgeFailed",
    "ChannelError",
}
MESSAGE_ATTRIBUTES = {"message", "default_detail", "verbose_name", "site_header", "index_title"}


def _words(node: ast.AST) -> bool:
    """A literal that reads as a sentence or a label (not a key, code or format)."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value)


def _literals(node: ast.AST) -> list[tuple[int, str]]:
    """Untranslated words in an expression that becomes a message: the format's parameters, dict
    keys and subscripts are not part of the text."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRANSLATE:
        return []
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and _words(node)):
        return [(node.lineno, ast.unparse(node)[:80])]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literals(node.left)
    if isinstance(node, ast.Dict):
        return [found for value in node.values for found in _literals(value)]
    if isinstance(node, ast.Subscript):
        return _literals(node.value)
    if isinstance(node, ast.keyword):
        return []
    if isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) == "format_html" or getattr(node.func, "attr", None) == "get"
    ):
        return [found for argument in node.args[1:] for found in _literals(argument)]  # markup; a key
    return [found for child in ast.iter_child_nodes(node) for found in _literals(child)]


def _untranslated(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = getattr(node.exc.func, "id", None) or getattr(node.exc.func, "attr", "")
            if name not in INTERNAL:
                found += [item for argument in node.exc.args for item in _literals(argument)]
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (getattr(target, "id", None) or getattr(target, "attr", None)) in MESSAGE_ATTRIBUTES:
                found += _literals(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "JsonResponse" and node.args:
            body = node.args[0]
            if isinstance(body, ast.Dict):
                for key, value in zip(body.keys, body.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "detail":
                        found += _literals(value)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("message_user", "add_error"):
            found += [item for argument in node.args[1:2] for item in _literals(argument)]
    return sorted(found)


def test_every_message_a_user_can_see_is_translatable():
    root = PO.parent.parent.parent.parent
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            found += [f"{path.relative_to(root)}:{n}: {text}" for n, text in _untranslated(ast.parse(path.read_text()))]
    assert found == [], "wrap these in gettext and translate them in locale/zh_Hans"


def test_the_message_walk_sees_an_unwrapped_message():
    sample = (
        'raise PermissionDenied("Only editors.")\n'
        'raise PermissionDenied(_("Only editors."))\n'
        'raise ValidationError({"at": [f"Give {n} days."]})\n'
        'raise RuntimeError("a programming error")\n'
        'message = gettext_lazy("Fine.")\n'
        'default_detail = "Not fine."\n'
        'JsonResponse({"detail": "Nope."}, status=404)\n'
        'self.message_user(request, f"{n} 篇文章已发布", messages.SUCCESS)\n'
    )
    assert [line for line, _text in _untranslated(ast.parse(sample))] == [1, 3, 6, 7, 8]


def test_templates_and_scripts_write_their_words_through_the_catalogue():
    """A Chinese character typed into a template or a script is a message nobody can translate:
    templates say it with {% translate %}, scripts get it from the page."""
    root = PO.parent.parent.parent.parent
    han = re.compile(r"[\u4e00-\u9fff]")
    found = [
        f"{path.relative_to(root)}:{number}"
        for app in APPS
        for pattern in ("templates/**/*.html", "static/**/*.js")
        for path in sorted((root / app).glob(pattern))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if han.search(line)
    ]
    assert found == []
