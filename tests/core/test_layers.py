"""The layout's one-way dependencies (DESIGN.md, Layout): core <- media <- articles <- trending,
search, distribution <- portal. An app reaches one above it, or a sibling, only through the
change stream's events or a `core` registry, never by import."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LEVEL = {"core": 0, "media": 1, "articles": 2, "trending": 3, "search": 3, "distribution": 3, "portal": 4}


def _imported(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an app's file imports, at any depth (also inside functions)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


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
