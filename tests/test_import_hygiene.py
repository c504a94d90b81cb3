"""The core (rules, engine, store, services, letters, commands) imports without Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import contingency


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(contingency.__path__, "contingency.")]
    return sorted(n for n in names if not n.startswith("contingency.tui") and n != "contingency.__main__")


def test_the_core_never_imports_textual():
    modules = core_modules()
    assert "contingency.rules.determination" in modules and "contingency.store.store" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"the core pulled in Textual: {result.stdout.strip()}"


def test_the_cli_loads_textual_only_to_run_the_tui():
    script = "import sys; from contingency.cli import build_parser; build_parser(); print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
