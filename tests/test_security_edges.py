"""Security edges: which hosts get the plain-http credentials warning, and TLS to a server
with a private CA, for REST and the live-update WebSocket alike (the emulator behind a
TLS-terminating relay, with certificates made by the openssl command for each run)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowsynx_tui.api import ConnectionFailed, FlowSynxClient
from flowsynx_tui.api.hub import HubConnection
from flowsynx_tui.config import resolve_settings


def _warnings(url: str, **credentials: str) -> tuple[str, ...]:
    return resolve_settings(url=url, config_path=Path("/nonexistent/config.toml"), environ={}, **credentials).warnings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example",  # a name under anyone's control, not an address
        "http://localhost.evil.example",
        "HTTP://flowsynx.example",  # the scheme in capitals is still plain http
        "http://10.0.0.5:6262",
        "http://[::2]:6262",
    ],
)
@pytest.mark.parametrize("credentials", [{"username": "anna", "password": "pw"}, {"token": "tok"}])
def test_credentials_over_plain_http_to_another_host_are_warned_about(url: str, credentials: dict[str, str]) -> None:
    (warning,) = _warnings(url, **credentials)
    assert "plain http://" in warning
    assert ("password" if "password" in credentials else "token") in warning


@pytest.mark.parametrize(
    "url",
    ["http://localhost:6262", "http://127.0.0.1:6262", "http://127.8.9.10", "http://[::1]:6262", "https://flowsynx.example"],
)
@pytest.mark.parametrize("credentials", [{"username": "anna", "password": "pw"}, {"token": "tok"}])
def test_this_machine_or_https_gets_no_warning(url: str, credentials: dict[str, str]) -> None:
    assert _warnings(url, **credentials) == ()


# --------------------------------------------------------------------------- TLS


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA of its own and a certificate it signed for 127.0.0.1: ca.pem, server.pem, server.key."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    where = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-subj", "/CN=flowsynx-tui test CA", "-days", "2",
             # Python 3.13 verifies strictly (VERIFY_X509_STRICT): a CA needs its key usage.
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=where)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=where)
    (where / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=where)
    return where


class TlsRelay:
    """TLS on 127.0.0.1 in front of a plain-HTTP server: each connection's bytes, both ways."""

    def __init__(self, certificates: Path, backend_port: int) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
        self._backend_port = backend_port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self._context)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        # Connections still open end here, not when the collector finds their coroutines
        # later, in another test ("Exception ignored in ... pipe").
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._backend_port)
        except OSError:
            writer.close()
            return

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except (OSError, ssl.SSLError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def https_server(emulator_server, private_ca: Path) -> Iterator[str]:
    server = emulator_server()
    relay = TlsRelay(private_ca, int(server.url.rsplit(":", 1)[1]))
    yield f"https://127.0.0.1:{relay.port}"
    relay.stop()


async def test_a_private_ca_given_with_ca_cert_is_trusted_by_rest_and_the_hub(https_server: str, private_ca: Path) -> None:
    settings = resolve_settings(
        url=https_server, ca_cert=str(private_ca / "ca.pem"), config_path=Path("/nonexistent/config.toml"), environ={}
    )
    async with FlowSynxClient(settings.url, verify=settings.verify, system_ca=settings.system_ca) as client:
        assert (await client.version()).version
        hub = await HubConnection.open(client)  # wss:// with the same context
        await hub.close()


async def test_without_the_ca_the_server_is_refused(https_server: str) -> None:
    async with FlowSynxClient(https_server, retries=0) as client:
        with pytest.raises(ConnectionFailed):
            await client.version()


async def test_insecure_skips_verification(https_server: str) -> None:
    settings = resolve_settings(url=https_server, insecure=True, config_path=Path("/nonexistent/config.toml"), environ={})
    async with FlowSynxClient(settings.url, verify=settings.verify) as client:
        assert (await client.version()).version
        hub = await HubConnection.open(client)
        await hub.close()


async def test_system_ca_trusts_the_systems_store_and_the_default_does_not(
    https_server: str, private_ca: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenSSL's system store, pointed at the private CA the way an administrator can.
    monkeypatch.setenv("SSL_CERT_FILE", str(private_ca / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for system_ca, trusted in ((True, True), (False, False)):
        settings = resolve_settings(
            url=https_server, system_ca=system_ca, config_path=Path("/nonexistent/config.toml"), environ={}
        )
        async with FlowSynxClient(settings.url, verify=settings.verify, system_ca=settings.system_ca, retries=0) as client:
            if trusted:
                assert (await client.version()).version
            else:
                with pytest.raises(ConnectionFailed):
                    await client.version()
