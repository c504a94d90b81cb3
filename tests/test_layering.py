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
    ("models and rules", ("models", "person", "notification", "ledger", "paths", "clock", "rules",
                          # exceptions every layer raises or catches: leaves with no imports of their own above
                          "services.errors", "store.errors")),
    ("engine and letters", ("engine", "letters")),
    ("store", ("store",)),
    ("services", ("services",)),
    ("tui and cli", ("tui", "commands", "cli", "__main__", "__init__")),
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
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
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
    assert layer_of(_resolves("contingency.services.people.add_person")) > layer_of("contingency.rules.times")
