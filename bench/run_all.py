"""Run every bench script in this folder; each prints `figure: value (target …)` lines.

A bench script is any `bench_*.py` here. Each measures a ratio against a baseline
taken in the same run, so the figures do not depend on how fast the machine is.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no bench scripts")
        return 0
    for script in scripts:
        print(f"# {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        if result.returncode != 0:
            print(f"{script.name}: FAILED (exit {result.returncode})", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
