"""mqtts:// with --mqtt-ca on a real mosquitto with a TLS listener (a CA and certificate made here)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.observatory.mqtt.conftest import WAIT, Broker, free_port, publish


def make_certificates(folder: Path) -> None:
    """A private CA and a certificate for 127.0.0.1 signed by it (openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed: apt-get install openssl (.ci/run does)")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=WAIT)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=observatory test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, int]]:
    """A broker with a plain listener (for the test's publisher) and a TLS one (for the run)."""
    folder = tmp_path / "tls"
    folder.mkdir()
    make_certificates(folder)
    broker = Broker(folder)
    tls_port = free_port()
    broker.config.write_text(
        f"listener {broker.port} 127.0.0.1\n"
        f"listener {tls_port} 127.0.0.1\n"
        f"cafile {folder / 'ca.pem'}\ncertfile {folder / 'server.pem'}\nkeyfile {folder / 'server.key'}\n"
        "allow_anonymous true\npersistence false\n"
        # Started as root, mosquitto would read the key files as user mosquitto, which the
        # private temporary folder keeps out; as another user, this line does nothing.
        "user root\n"
    )
    broker.start()
    yield broker, tls_port
    broker.stop()


def run(url: str, prefix: str, *extra: str, out: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "observatory", "run", "bottleneck", "--agents", "20", "--headless",
        "--duration", "1", "--speed", "10", "--mqtt", url, "--mqtt-prefix", prefix, *extra,
    ]
    if out is not None:
        command += ["--metrics-out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=WAIT * 2)


def test_a_run_over_tls_checks_the_broker_against_the_ca_file(
    tls_broker: tuple[Broker, int], prefix: str, tmp_path: Path
) -> None:
    broker, tls_port = tls_broker
    publish(broker, f"{prefix}/constraints/task/work", {"type": "concurrency", "params": {"limit": 2}})
    url = f"mqtts://127.0.0.1:{tls_port}"
    ca = str(broker.folder / "ca.pem")
    done = run(url, prefix, "--mqtt-ca", ca, out=tmp_path / "m.json")
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["commands"][0]["args"] == {"scope": "task:work", "limit": 2}
    # Without the CA the broker's certificate is not trusted: refused before the run, one line.
    done = run(url, prefix)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"TLS with the broker at {url} failed" in done.stderr
