"""A real SMTP server on loopback for the message tests and the benchmark (issue 18).

aiosmtpd with STARTTLS required (a throwaway certificate made by ``openssl``) and AUTH
(``USER``/``PASSWORD``). It keeps every message it accepts, across a stop and a start on the same
port, so a test can count at the server.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "facilitator"
PASSWORD = "mail-pass-2026"  # noqa: S105 - a throwaway test server's password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(  # noqa: S603 - fixed arguments
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S607
             "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return cert, key


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else ""  # type: ignore[attr-defined]


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.server.delay:
            time.sleep(self.server.delay)  # a slow server, on purpose
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok)


class MailServer:
    """Start, stop and start again on one port; ``received`` keeps everything accepted."""

    def __init__(self, folder: Path, port: int | None = None, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay = delay
        self.received: list[Received] = []
        self.lock = threading.Lock()
        cert, key = throwaway_certificate(folder)
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(cert, key)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{USER}:{PASSWORD}@127.0.0.1:{self.port}?starttls=true&verify=false"

    def start(self) -> MailServer:
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.tls,
            require_starttls=True,
            authenticator=_authenticate,
            auth_required=True,
            auth_require_tls=True,
            ready_timeout=10,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(r.message["Subject"]) for r in self.received]

    def wait_for(self, n: int, timeout: float = 20) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.count() >= n:
                return True
            time.sleep(0.05)
        return self.count() >= n
