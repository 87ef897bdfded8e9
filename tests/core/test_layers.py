"""The layout's one-way dependencies (DESIGN.md, Layout): core <- media <- articles <- trending,
search, distribution <- portal. An app reaches one above it, or a sibling, only through the
change stream's events or a `core` registry, never by import. Below it, an app uses another's
domain modules only: never its `api` or `admin` (they are that app's own faces) nor a name that
starts with an underscore; and an app's domain never imports its own `api`."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LEVEL = {"core": 0, "media": 1, "articles": 2, "trending": 3, "search": 3, "distribution": 3, "portal": 4}


# The project's URL map is where each app's API is mounted: the one place that names them.
MOUNTS = {"portal/urls.py"}


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str, list[str]]]:
    """Every module an app's file imports, at any depth (also inside functions), with the names
    taken from it; a relative import is made absolute from the file's package."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1]) if path.is_relative_to(ROOT) else []
    source = path.read_text(encoding="utf-8") if source is None else source
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def _imported(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an app's file imports."""
    return [(line, module) for line, module, _ in _imports(path) if module.split(".")[0] in LEVEL or "." in module]


def _upward(app: str, module: str) -> bool:
    target = module.split(".")[0]
    return target in LEVEL and target != app and LEVEL[target] >= LEVEL[app]


def test_no_app_imports_one_above_it_or_beside_it():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for app in LEVEL
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, module in _imported(path)
        if _upward(app, module)
    ]
    assert wrong == []


def _private(app: str, path: Path, module: str, names: list[str]) -> str | None:
    """Why importing `names` from `module` in `app`'s file `path` reaches into what is not
    another app's to use, or None."""
    parts = module.split(".")
    target, inner = parts[0], parts[1:]
    if target not in LEVEL:
        return None
    if target != app:
        if str(path.relative_to(ROOT)) in MOUNTS and (inner[-1:] == ["urls"] or names == ["urls"]):
            return None
        if "api" in inner or "admin" in inner:
            return "another app's api or admin"
        if any(p.startswith("_") for p in inner) or any(n.startswith("_") for n in names):
            return "another app's private name"
        for name in names:  # `from media import admin`
            if not inner and name in ("api", "admin"):
                return "another app's api or admin"
        return None
    own = path.relative_to(ROOT / app).parts
    if own[0] not in ("api", "admin", "tests", "management") and ("api" in inner[:1] or (not inner and "api" in names)):
        return "its own api from the domain"
    return None


def test_no_app_uses_another_apps_api_admin_or_private_names_and_no_domain_imports_its_api():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module} {names}: {why}"
        for app in LEVEL
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, module, names in _imports(path)
        if (why := _private(app, path, module, names))
    ]
    assert wrong == []


def test_the_check_sees_api_admin_and_private_imports():
    app = ROOT / "articles"
    cases = {
        "from media.admin import thumbnail_url": "another app's api or admin",
        "from media.api.serializers import PublicImageSerializer": "another app's api or admin",
        "from media import admin": "another app's api or admin",
        "from articles.documents import _aware": None,  # within its own app
        "from media.selectors import _private_helper": "another app's private name",
        "from media._internal import x": "another app's private name",
        "from .api.serializers import ArticleDetailSerializer": "its own api from the domain",
        "from . import api": "its own api from the domain",
        "from media.representation import thumbnail_url": None,
    }
    for source, expected in cases.items():
        ((_, module, names),) = _imports_of(source)
        assert _private("articles", app / "documents.py", module, names) == expected, source
    ((_, module, names),) = _imports_of("from .serializers import EditorArticleSerializer", at="api")
    assert _private("articles", app / "api" / "views.py", module, names) is None
    assert _private("portal", ROOT / "portal" / "urls.py", "articles.api.urls", ["urlpatterns"]) is None
    assert _private("portal", ROOT / "portal" / "pages.py", "articles.api.serializers", ["X"]) is not None


def _imports_of(source: str, at: str = "") -> list[tuple[int, str, list[str]]]:
    """The imports of `source` as if it were a module of articles (`at` a sub-package)."""
    folder = ROOT / "articles" / at if at else ROOT / "articles"
    return _imports(folder / "sample.py", source)


def test_the_check_sees_an_import_that_points_up_the_line(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text("def f():\n    from articles.models import Article\n    import portal.settings\n")

    assert [m for _, m in _imported(sample) if _upward("media", m)] == ["articles.models", "portal.settings"]
    assert not _upward("portal", "articles.models") and not _upward("articles", "core.outbox")
    assert _upward("search", "trending.selectors")  # siblings stay apart too


def test_no_model_points_up_the_line(db):
    from django.apps import apps

    wrong = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        if model._meta.app_label in LEVEL
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model is not None
        if _upward(model._meta.app_label, field.related_model._meta.app_label)
    ]
    assert wrong == []


def test_no_migration_depends_on_an_app_above_it():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    wrong = [
        f"{app}.{name} depends on {parent_app}.{parent}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in LEVEL
        for parent_app, parent in migration.dependencies
        if _upward(app, parent_app)
    ]
    assert wrong == []


def _tables_named(path: Path, tables: dict[str, str]) -> list[tuple[int, str, str]]:
    """(line, owning app, what) for each table of `tables` (name → owning app) a file names in
    its SQL: in a string, or as `Model._meta.db_table` of a model imported from another module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    owners = {name: module.split(".")[0] for _, module, names in _imports(path) for name in names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [(node.lineno, app, t) for t, app in tables.items() if re.search(rf"\b{t}\b", node.value)]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in owners
        ):
            model = node.value.value.id
            found.append((node.lineno, owners[model], f"{model}._meta.db_table"))
    return sorted(found)


def test_no_app_reads_another_apps_tables_by_sql(db):
    """An app asks the owner (its selectors, or `articles.documents` for what readers may see)
    instead of writing SQL against another app's tables, so that a table can change with its app."""
    from django.apps import apps

    tables = {m._meta.db_table: m._meta.app_label for m in apps.get_models() if m._meta.app_label in LEVEL}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} names {what} of {owner}"
        for app in LEVEL
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, owner, what in _tables_named(path, tables)
        if owner in LEVEL and owner != app
    ]
    assert wrong == []


def test_the_sql_check_sees_a_table_in_a_string_and_through_meta(tmp_path):
    sample = tmp_path / "backend.py"
    sample.write_text(
        "from articles.models import Article\n"
        "SQL = 'SELECT id FROM articles_article WHERE x'\n"
        "def f():\n    return f'JOIN {Article._meta.db_table} a'\n"
    )
    found = _tables_named(sample, {"articles_article": "articles", "search_entry": "search"})
    assert found == [(2, "articles", "articles_article"), (4, "articles", "Article._meta.db_table")]
