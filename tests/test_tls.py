"""TLS: certificates verified by default, a private CA only by explicit config."""
from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from screens.overview import OverviewScreen
from tests.console import until
from tests.server import RunningServer, fresh_database
from tui.app import VaxelApp
from tui.client import TlsConfigError, VaxelClient, tls_verification


def make_ca_and_cert(directory: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vaxel test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


@pytest.fixture
def tls_server(template_db: Path, tmp_path: Path) -> Iterator[tuple[RunningServer, Path]]:
    ca, cert, key = make_ca_and_cert(tmp_path)
    server = RunningServer(fresh_database(template_db, tmp_path), tls_cert=str(cert), tls_key=str(key)).start()
    yield server, ca
    server.stop()


async def test_unknown_certificate_is_a_clear_error_not_a_traceback(tls_server: tuple[RunningServer, Path]) -> None:
    server, _ca = tls_server
    assert server.url.startswith("https://")
    app = VaxelApp(VaxelClient(server.url), credentials=("admin", "admin"), server_label=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.connection == "offline")
        assert "certificate could not be verified" in app.connection_detail
        assert not isinstance(app.screen, OverviewScreen)


async def test_private_ca_from_config_is_trusted(tls_server: tuple[RunningServer, Path]) -> None:
    server, ca = tls_server
    app = VaxelApp(VaxelClient(server.url, verify=tls_verification(str(ca))), credentials=("admin", "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.connection == "live")


def test_unreadable_ca_bundle_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TlsConfigError, match="missing.pem"):
        tls_verification(str(tmp_path / "missing.pem"))
