"""The structure checks `make lint` runs: import contracts and the module size limit."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools.check_module_size import main as check_module_size

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "org", "pathways", "assessments", "incidents", "metrics")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _project_copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "migrations"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _append(path: Path, text: str) -> None:
    with path.open("a") as f:
        f.write(text)


def test_import_contracts_hold_on_the_project_and_break_on_an_added_circle(tmp_path):
    # given a copy of the project's packages that keeps the contracts
    root = _project_copy(tmp_path)
    assert _lint_imports(root).returncode == 0

    # when a service imports its app's tasks again (tasks import services)
    _append(root / "assessments/services/attempts.py", "\nfrom assessments import tasks\n")
    result = _lint_imports(root)

    # then the check fails and names the circle
    assert result.returncode == 1
    assert "No cycles are allowed in assessments" in result.stdout
    assert ".services -> .tasks" in result.stdout or ".tasks -> .services" in result.stdout


def test_import_contracts_break_when_a_lower_app_imports_a_higher_one(tmp_path):
    root = _project_copy(tmp_path)
    _append(root / "org/services.py", "\nfrom metrics import selectors\n")

    result = _lint_imports(root)

    assert result.returncode == 1
    assert "org is not allowed to import metrics" in result.stdout


def test_module_size_check_fails_on_an_app_module_over_600_lines(tmp_path, capsys):
    # given an app with one module at the limit, one past it, and long migrations/tests
    app = tmp_path / "app"
    (app / "migrations").mkdir(parents=True)
    (app / "tests").mkdir()
    (app / "__init__.py").write_text("")
    (app / "fits.py").write_text("x = 1\n" * 600)
    (app / "migrations" / "0001_initial.py").write_text("x = 1\n" * 900)
    (app / "tests" / "test_long.py").write_text("x = 1\n" * 900)
    assert check_module_size([str(tmp_path)]) == 0

    # when a module passes 600 lines
    (app / "services.py").write_text("x = 1\n" * 601)

    # then the check fails and names only that module
    assert check_module_size([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "app/services.py: 601 lines (at most 600)" in out
    assert "fits.py" not in out
    assert "migrations" not in out
    assert "test_long" not in out


def test_no_app_module_of_the_project_passes_600_lines():
    assert check_module_size([str(ROOT)]) == 0
