"""Fail when an application module passes MAX_LINES lines (`make lint`).

Application modules are the .py files of the top-level packages of the project
(directories with an __init__.py), except migrations and tests. A module that
grows past the limit is split by concern: see docs/architecture.md.
"""

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_LINES = 600
NOT_APPS = {"tests", "bench", "tools", "docs", "static", "templates"}


def app_modules(root: Path) -> Iterator[Path]:
    for package in sorted(root.iterdir()):
        if package.name.startswith(".") or package.name in NOT_APPS:
            continue
        if not (package / "__init__.py").is_file():
            continue
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(root).parts
            if "migrations" in parts or "tests" in parts:
                continue
            yield path


def too_long(root: Path, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    found = []
    for path in app_modules(root):
        with path.open("rb") as f:
            lines = sum(1 for _ in f)
        if lines > limit:
            found.append((str(path.relative_to(root)), lines))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = parser.parse_args(argv)
    found = too_long(args.root.resolve(), args.max_lines)
    for name, lines in found:
        print(f"{name}: {lines} lines (at most {args.max_lines}); split it by concern")
    if not found:
        print(f"No application module over {args.max_lines} lines.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
