"""The one-way layering (issue 12): models and rules at the bottom; engine and letters; the store; services; the
TUI and the CLI on top. An import that points upwards fails here, naming the file, the line and the arrow, so
the layers stay what the README says they are. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import contingency

PACKAGE = Path(contingency.__file__).parent

# Lowest first. A module may import from its own layer and any layer below it, never above.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("models and rules", ("models", "person", "notification", "ledger", "paths", "clock", "collector", "rules",
                          # exceptions every layer raises or catches: leaves with no imports of their own above
                          "services.errors", "store.errors")),
    ("engine and letters", ("engine", "letters")),
    ("store", ("store",)),
    ("services", ("services",)),
    # Inside the TUI, reusable widgets at the bottom, then the screen bases, dialogs, whole incident sections,
    # screens (which push dialogs and hold sections), and the app; a section that leads to a screen posts a
    # message (tui.widgets.messages) for its screen to act on rather than importing it.
    ("tui widgets", ("tui.widgets", "tui.plain", "tui.literal", "tui.commands")),
    ("tui screen bases", ("tui.base",)),
    ("tui dialogs", ("tui.dialogs",)),
    ("tui sections", ("tui.sections",)),
    ("tui screens", ("tui.screens",)),
    ("tui app and cli", ("tui", "commands", "cli", "__main__", "__init__")),
)


def layer_of(module: str) -> int:
    """The layer of a dotted name inside the package ("contingency.store.people" -> 2)."""
    inside = module.removeprefix("contingency").removeprefix(".") or "__init__"
    best, best_len = None, -1
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (inside == prefix or inside.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = rank, len(prefix)
    if best is None:
        raise AssertionError(f"contingency.{inside} belongs to no layer: add it to LAYERS in {__file__}")
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # Imports under `if TYPE_CHECKING:` are for annotations only and run nothing: a screen may name the app's
    # type without depending on it.
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                   for statement in node.body for inner in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("contingency"):
            # `from contingency.store import people` imports a submodule: judge it by the longest name
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("contingency")]
    return found


def _resolves(name: str) -> str:
    """`contingency.store.Store` is a name from `contingency.store`, not a module of its own."""
    parts = name.split(".")
    while len(parts) > 1:
        candidate = PACKAGE.parent.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def test_no_import_points_upwards():
    arrows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        mine = layer_of(source)
        for line, name in imports_of(path):
            target = _resolves(name)
            theirs = layer_of(target)
            if theirs > mine:
                arrows.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {source} ({LAYERS[mine][0]}) imports "
                              f"{target} ({LAYERS[theirs][0]})")
    assert not arrows, "imports that point up a layer:\n" + "\n".join(arrows)


def test_the_layer_table_knows_every_module():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_the_check_sees_an_upward_arrow(tmp_path):
    """The test above could pass by seeing nothing: make sure it reads a real upward import."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from contingency.services.people import add_person\n", encoding="utf-8")
    assert imports_of(bad) == [(2, "contingency.services.people.add_person")]
    annotation_only = tmp_path / "typing_only.py"
    annotation_only.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from contingency.tui.app import App\n",
                               encoding="utf-8")
    assert imports_of(annotation_only) == []
    assert layer_of(_resolves("contingency.services.people.add_person")) > layer_of("contingency.rules.times")
    assert layer_of("contingency.tui.screens.person") > layer_of("contingency.tui.sections.roster")
    assert layer_of("contingency.tui.dialogs.money") > layer_of("contingency.tui.widgets.fields")
