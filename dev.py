"""One-step developer commands that need nothing but Python 3.11.

    python3 dev.py run bottleneck --slots 20   # observatory with these arguments
    python3 dev.py test                        # lint, then the whole test suite

Each command first makes sure `.venv` exists and holds the project and its
test dependencies, reinstalling when pyproject.toml changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_venv() -> None:
    """Create .venv and install the project with its test extras if out of date."""
    pyproject = ROOT / "pyproject.toml"
    if STAMP.exists() and STAMP.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing observatory and its test dependencies into .venv ...", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.touch()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "observatory"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "test":
        lint = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT)
        if lint.returncode:
            return lint.returncode
        return subprocess.run([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT).returncode
    return subprocess.run(
        [str(BIN / "observatory"), *(rest if command == "observatory" else ["run", *rest])]
    ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
