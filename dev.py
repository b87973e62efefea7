"""One-step developer commands that need nothing but Python 3.11.

    python3 dev.py run bottleneck --slots 20   # observatory with these arguments
    python3 dev.py test                        # lint, then the whole test suite
                                               # (installs mosquitto with apt-get if missing)

Each command first makes sure `.venv` exists and holds the project and its
test dependencies, reinstalling when pyproject.toml changed.
"""

from __future__ import annotations

import os
import shutil
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


# The MQTT tests run a private mosquitto (Debian's packages) and make TLS certificates with openssl.
BROKER_PACKAGES = ("mosquitto", "mosquitto-clients", "openssl")
BROKER_COMMANDS = ("mosquitto", "mosquitto_pub", "openssl")
SBIN = "/usr/sbin:/usr/local/sbin"


def ensure_broker() -> None:
    """Install mosquitto for the MQTT tests when it is missing and apt-get can (as root)."""
    path = os.environ.get("PATH", "") + os.pathsep + SBIN
    if all(shutil.which(c, path=path) for c in BROKER_COMMANDS):
        return
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("mosquitto is missing and cannot be installed here; the MQTT tests will fail: "
              "install " + " ".join(BROKER_PACKAGES), file=sys.stderr)
        return
    print("installing " + ", ".join(BROKER_PACKAGES) + " with apt-get ...", file=sys.stderr)
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *BROKER_PACKAGES],
                   check=True, **quiet)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "observatory"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "test":
        ensure_broker()
        lint = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT)
        if lint.returncode:
            return lint.returncode
        return subprocess.run([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT).returncode
    return subprocess.run(
        [str(BIN / "observatory"), *(rest if command == "observatory" else ["run", *rest])]
    ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
