"""A server's URL as given on the command line or in the config file.

Checked when the command line is read, so a mistyped URL is a usage error
(exit 64) that says what a URL looks like, not a connection error later
("unsupported protocol 'localhost://'"). `host:port` is taken as the user most
likely means it — plain HTTP on this machine, HTTPS anywhere else — and the
command says what it assumed. No Textual here.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from tui.i18n import t

SCHEMES = ("http", "https")
#: A DNS name (labels of letters, digits and hyphens) or an IPv4 address.
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


class BadServerUrl(ValueError):
    """Not a server URL; the message says so and gives an example (translated)."""


@dataclass(frozen=True)
class ServerUrl:
    url: str  # scheme://host[:port][/path], without a trailing slash
    given: str
    #: What was assumed to make `given` a URL (None: it was one already).
    assumed: str | None = None

    def note(self) -> str | None:
        """The sentence saying what was assumed, for stderr; None when nothing was."""
        return None if self.assumed is None else t("url.assumed", given=self.given, url=self.url, why=self.assumed)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_server_url(text: str) -> ServerUrl:
    """`text` as a server URL, or BadServerUrl."""
    given = text
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        raise BadServerUrl(t("url.invalid", given=given))
    assumed = None
    if "://" not in text:
        if not re.match(r"^(\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+)(:\d+)?(/.*)?$", text):
            raise BadServerUrl(t("url.invalid", given=given))
        host = text.split("/", 1)[0].rsplit(":", 1)[0] if not text.startswith("[") else text[: text.index("]") + 1]
        scheme = "http" if is_loopback(host) else "https"
        assumed = t("url.assumed_loopback") if scheme == "http" else t("url.assumed_remote")
        text = f"{scheme}://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when not a number in 0-65535
    except ValueError as exc:
        raise BadServerUrl(t("url.invalid", given=given)) from exc
    if parts.scheme.lower() not in SCHEMES:
        raise BadServerUrl(t("url.bad_scheme", given=given, scheme=parts.scheme))
    host = parts.hostname or ""
    if not _valid_host(host) or port == 0 or parts.username or parts.password or parts.query or parts.fragment:
        raise BadServerUrl(t("url.invalid", given=given))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return ServerUrl(f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}", given, assumed)


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST.match(host)) and not host.replace(".", "").isdigit()
