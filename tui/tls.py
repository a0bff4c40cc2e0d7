"""How the console checks a server's certificate (no httpx here: it is loaded later)."""
from __future__ import annotations

import ssl


class TlsConfigError(Exception):
    """The configured CA bundle cannot be used."""


def tls_verification(ca_bundle: str | None) -> bool | ssl.SSLContext:
    """Certificates are always verified: against the system's CAs, or, only when
    the config names one, against a private CA bundle."""
    if not ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigError(f"ca_bundle {ca_bundle}: {getattr(exc, 'strerror', None) or exc}") from exc
