"""The layers point one way and nothing imports in a circle: import-linter's contracts, and local imports kept rare."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dashboard"


def test_the_layer_contracts_in_pyproject_hold():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _local_imports(tree: ast.Module, lines: list[str]) -> list[tuple[int, str]]:
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                if not above.startswith("#"):
                    found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def test_an_import_inside_a_function_says_why_in_a_comment_above_it():
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        for line, code in _local_imports(ast.parse(text), text.splitlines()):
            unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {code}")
    assert unexplained == []
