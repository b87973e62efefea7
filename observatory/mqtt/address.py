"""Where the broker is: the ``--mqtt`` URL, read once and never shown with its password.

``mqtt://[user:password@]host[:port]`` (port 1883 by default) or
``mqtts://...`` (TLS, port 8883, checked against ``--mqtt-ca FILE`` or the
system's certificates). ``shown`` is the form fit for screens and logs:
scheme, host and port only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

URL_FORM = "mqtt://[user:password@]host:port or mqtts://..."
_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


class AddressError(ValueError):
    """A ``--mqtt`` value (or ``--mqtt-ca`` file) that cannot be used; the message is one line."""


@dataclass(frozen=True)
class BrokerAddress:
    """A broker to connect to; ``repr`` and ``shown`` leave the credentials out."""

    host: str
    port: int
    tls: bool = False
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None

    @property
    def shown(self) -> str:
        """The address without credentials, e.g. ``mqtt://127.0.0.1:1883``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'mqtts' if self.tls else 'mqtt'}://{host}:{self.port}"


def parse_address(text: str, ca_file: str | None = None, option: str = "--mqtt") -> BrokerAddress:
    """Read a broker URL; raises AddressError naming the option and the accepted form.

    The message never repeats the URL itself, which may hold a password.
    """
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise AddressError(f"{option}: the URL is not valid: use {URL_FORM}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise AddressError(f"{option}: the scheme must be mqtt:// or mqtts://: use {URL_FORM}")
    if not parts.hostname:
        raise AddressError(f"{option}: the URL names no host: use {URL_FORM}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise AddressError(f"{option}: the URL takes no path or query: use {URL_FORM}")
    if port == 0:
        raise AddressError(f"{option}: port 0 is not valid: use a port from 1 to 65535")
    ca = None
    if ca_file is not None:
        if scheme != "mqtts":
            raise AddressError("--mqtt-ca: only with an mqtts:// broker URL")
        ca = Path(ca_file)
        if not ca.is_file():
            raise AddressError(
                f"--mqtt-ca: {ca_file!r} is not a readable file: use a PEM file of CA certificates"
            )
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return BrokerAddress(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[scheme],
        tls=scheme == "mqtts",
        username=username,
        password=password,
        ca_file=ca,
    )
