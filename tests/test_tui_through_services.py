"""Every read and write the TUI makes goes through `contingency/services/` (issue 12, "the shape of the TUI").

A screen, section, dialog or widget may ask the store what it is (its kind, whether it is an exercise, the
officer, its path, its version, its clock), but never reach into its repositories or its connection: no
`self.store.people.get(...)`, no `store.claims.for_incident(...)`, no `store.db`. It calls a service function
instead, so the rules, the bounds on what is read and the log stay in one place.

The names a module must not touch are read from `contingency.store.Store` itself (its repositories, the
reference indexes, the data it reads and writes, its connection), so a repository added tomorrow is covered
without editing this file. Found by parsing (ast) every module under contingency/tui, naming file:line.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cached_property
from pathlib import Path

import contingency
from contingency.store import Store

PACKAGE = Path(contingency.__file__).parent
TUI = PACKAGE / "tui"

# What a store says about itself, not what it holds: a screen may read these.
METADATA = frozenset({"kind", "is_exercise", "officer", "path", "version", "clock", "errors",
                      # opening, tuning and closing the app's own connection is the app's business, not data
                      "close", "set_busy_timeout"})

def _init_attributes(cls: type) -> set[str]:
    """`self.x = ...` in the class's __init__."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__)))
    return {target.attr for node in ast.walk(tree) if isinstance(node, ast.Assign) for target in node.targets
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"}


def store_insides() -> frozenset[str]:
    """Every public name of Store that is not metadata: its repositories (cached properties), the reference
    indexes, the reads and writes it makes itself (settings, write, verify_log ...) and the connection
    (db, conn)."""
    names = {name for name in vars(Store) if not name.startswith("_")} | _init_attributes(Store)
    return frozenset(name for name in names if not name.startswith("_")) - METADATA


INSIDES = store_insides()


def _is_store(node: ast.expr, aliases: set[str]) -> bool:
    """`store`, `<anything>.store`, or a name that holds a store in this function."""
    if isinstance(node, ast.Name):
        return node.id == "store" or node.id in aliases
    return isinstance(node, ast.Attribute) and node.attr == "store" and not _is_module_path(node)


def _is_module_path(node: ast.expr) -> bool:
    """`contingency.store...` names a module, not a store."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "contingency"


def _aliases(function: ast.AST) -> set[str]:
    """Names that hold a store inside a function: a parameter annotated Store, `s = self.store`, and
    `with own_store(store) as mine` (a worker's own connection)."""
    found: set[str] = set()
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = function.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is not None and ast.unparse(arg.annotation).strip("'\"") in ("Store", "store.Store"):
                found.add(arg.arg)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _is_store(node.value, set()):
            found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            call = node.context_expr
            if isinstance(call, ast.Call) and ast.unparse(call.func).split(".")[-1] == "own_store":
                found.add(node.optional_vars.id)
    return found


def reaches_into_store(path: Path) -> list[tuple[int, str]]:
    """(line, what) for each access to a store's repositories or connection in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[int, int, str]] = set()
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    for scope in scopes:
        aliases = _aliases(scope) if scope is not tree else set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Attribute) and node.attr in INSIDES and _is_store(node.value, aliases):
                found.add((node.lineno, node.col_offset, ast.unparse(node)))
    return [(line, text) for line, _, text in sorted(found)]


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_the_tui_reads_and_writes_through_services():
    reaching = []
    for path in sorted(TUI.rglob("*.py")):
        reaching += [f"{_relative(path)}:{line}: {text}" for line, text in reaches_into_store(path)]
    assert not reaching, ("TUI code reaching into the store; call a function in contingency/services/ instead "
                          "(add a small one if none fits):\n" + "\n".join(reaching))


def test_the_names_come_from_the_store():
    """The forbidden names are Store's own: its repositories, indexes, data reads and writes, connection."""
    for name in ("people", "claims", "disputes", "costs", "incidents", "exercises", "decisions", "notifications",
                 "log", "authorities", "icbs", "playbooks", "geography", "settings", "verify_log", "write",
                 "db", "conn", "query"):
        assert name in INSIDES, name
    assert not INSIDES & METADATA
    repositories = {name for name, value in vars(Store).items() if isinstance(value, cached_property)}
    assert repositories and repositories <= INSIDES


def test_the_check_sees_a_bad_access(tmp_path):
    """The first test could pass by seeing nothing: make sure it finds each kind of access in a real file."""
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("""\
        from contingency.store import Store
        from contingency.store.people import RosterQuery
        import contingency.store.people


        class Screen:
            def one(self):
                return self.store.people.get(1)

            def two(self):
                return self.app.store.claims

            def three(self, store):
                return store.db.execute("SELECT 1"), store.kind, store.is_exercise, store.clock()

            def four(self):
                s = self.store
                return s.settings()

            def five(self, st: Store):
                with own_store(st) as mine:
                    return mine.log.count(), st.version

            def six(self):
                return contingency.store.people.KEY_SAFE_ACCESS, self.store.path, self.node.log.error
        """), encoding="utf-8")
    assert reaches_into_store(bad) == [
        (8, "self.store.people"),
        (11, "self.app.store.claims"),
        (14, "store.db"),
        (18, "s.settings"),
        (22, "mine.log"),
    ]
