"""The one SSL context of a server: built here, used by the REST client (httpx) and the
live-update WebSocket alike, so both trust the same certificates.

- default: certifi's CA bundle, what httpx trusted before (the same on every machine);
- ``cafile`` (``--ca-cert``): that bundle only, for a server with a private CA;
- ``system_ca`` (``--system-ca``): the operating system's store, where corporate CAs are
  installed: through truststore when installed (macOS Keychain, Windows, Linux), else
  OpenSSL's default paths (the system store on Linux and the BSDs);
- ``insecure``: no verification at all (shown as a badge).

A plain ``http://`` server gets a context without trust anchors: it never does a TLS
handshake with this client (redirects are not followed), and loading a CA bundle costs
~50 ms of every start. Any TLS it were asked for would fail, never go unchecked.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit


def ssl_context(
    url: str, *, verify: bool = True, cafile: str | None = None, system_ca: bool = False
) -> ssl.SSLContext:
    if urlsplit(url).scheme.lower() != "https":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if cafile is not None:
        return ssl.create_default_context(cafile=cafile)
    if system_ca:
        try:
            import truststore
        except ImportError:
            return ssl.create_default_context()
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # type: ignore[no-any-return]
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def context_for(url: str, verify: bool | str, system_ca: bool = False) -> ssl.SSLContext:
    """``Settings.verify`` (True, False or a CA bundle's path) as a context for ``url``."""
    if isinstance(verify, str):
        return ssl_context(url, cafile=verify)
    return ssl_context(url, verify=verify, system_ca=system_ca)
