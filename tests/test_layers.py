"""The arrows point down (docs/architecture.md): each app imports only the layers below it, at any depth of the file.

reports → incidents → actors, geo → core. ``config`` wires them all and is left out; so are migrations, which name
the models of the apps they depend on.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BELOW = {
    "core": set(),
    "actors": {"core"},
    "geo": {"core"},
    "incidents": {"core", "actors", "geo"},
    "reports": {"core", "actors", "geo", "incidents"},
}


def _app_imports(app: str):
    """(file, line, module) of every import of another of our apps in ``app``, function-level imports included."""
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in BELOW and top != app:
                    yield path.relative_to(ROOT), node.lineno, module


def test_the_check_sees_imports_inside_functions():
    """Lazy imports are where upward arrows hid before issue #10: the check must find them."""
    found = list(_app_imports("reports"))
    assert any(module == "incidents.models" for _, _, module in found)
    assert any(module.startswith("incidents.signals") for _, _, module in found)  # in ReportsConfig.ready()


@pytest.mark.parametrize("app", sorted(BELOW))
def test_an_app_imports_only_the_layers_below_it(app):
    upward = [f"{path}:{line} imports {module}" for path, line, module in _app_imports(app)
              if module.split(".")[0] not in BELOW[app]]  # fmt: skip
    assert upward == []
