"""The deployment of deploy/ on loopback: nginx (HTTPS, HTTP/2) in front of gunicorn instances.

Used by tests/browser/test_nginx_two_instances.py and bench/nginx_two_instances.py. The nginx
site is generated FROM deploy/nginx/facilitator.conf and deploy/nginx/facilitator-proxy.conf:
only the ports, paths, server name and certificate are replaced (each replacement must match
exactly once, so a changed site file fails here instead of being silently untested). nginx runs
as a non-root process (``nobody`` when the caller is root) with its own prefix, pid file and
logs in a temporary folder, on loopback high ports; the system nginx service is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx" / "facilitator.conf"
PROXY_SNIPPET = ROOT / "deploy" / "nginx" / "facilitator-proxy.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NOBODY = 65534

# nginx's access log line in deploy/'s log_format "facilitator".
LOG_LINE = re.compile(
    r'^(?P<remote>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<uri>[^"]*)" (?P<status>\d+) '
    r"(?P<bytes>\d+) (?P<seconds>[\d.]+) (?P<upstream>.*) (?P<request_id>[0-9a-f]{32})$"
)


def nginx_available() -> bool:
    return Path(NGINX).exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _replace(text: str, old: str, new: str, *, count: int = 1) -> str:
    found = text.count(old)
    if found != count:
        raise AssertionError(
            f"deploy/nginx: expected {old!r} {count} time(s), found {found}: the site file "
            "changed; update tests/nginx_stack.py so the shipped file is still the one tested"
        )
    return text.replace(old, new)


def render_site(
    *,
    http_port: int,
    https_port: int,
    upstreams: list[int],
    folder: Path,
    cert: Path,
    key: Path,
) -> str:
    """deploy/nginx/facilitator.conf with this machine's ports, paths and certificate."""
    site = SITE.read_text()
    site = _replace(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = _replace(site, "listen [::]:80;\n", "")
    site = _replace(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = _replace(site, "listen [::]:443 ssl http2;\n", "")
    # The redirect keeps the address's port here (production uses 443).
    site = _replace(
        site,
        "return 301 https://$host$request_uri;",
        f"return 301 https://$host:{https_port}$request_uri;",
    )
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*;$", site, flags=re.M)
    if len(servers) != 2:
        raise AssertionError(f"deploy/nginx: expected two upstream servers, found {servers}")
    lines = [
        servers[0].replace(re.search(r"127\.0\.0\.1:\d+", servers[0]).group(0), f"127.0.0.1:{p}")  # type: ignore[union-attr]
        for p in upstreams
    ]
    site = site.replace(servers[0] + "\n" + servers[1], "\n".join(lines))
    site = _replace(site, "/etc/ssl/facilitator/fullchain.pem", str(cert))
    site = _replace(site, "/etc/ssl/facilitator/privkey.pem", str(key))
    site = _replace(
        site, "/var/log/nginx/facilitator.access.log", str(folder / "access.log"), count=2
    )
    site = _replace(site, "/opt/facilitator/facilitator/static/", f"{folder / 'static'}/")
    site = site.replace(
        "/etc/nginx/snippets/facilitator-proxy.conf", str(folder / "facilitator-proxy.conf")
    )
    site = _replace(
        site, "server_name facilitator.example.org;", "server_name localhost 127.0.0.1;", count=2
    )
    return site


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1 (openssl CLI)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _drop_root() -> None:  # runs in the child before exec
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@dataclass
class Nginx:
    """A running nginx: its HTTPS and HTTP ports and its access log."""

    folder: Path
    http_port: int
    https_port: int
    upstreams: list[int]
    process: subprocess.Popen[bytes] | None = None
    log_offset: int = field(default=0)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def log(self, settle: float = 0.3) -> list[dict[str, str]]:
        """Every access-log line so far, parsed (nginx writes a line once the request is
        finished, a moment after the response has gone: ``settle`` waits for that)."""
        time.sleep(settle)
        if not self.access_log.exists():
            return []
        lines = []
        for raw in self.access_log.read_text().splitlines():
            match = LOG_LINE.match(raw)
            if match:
                lines.append(match.groupdict())
        return lines

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text() if path.exists() else ""


def write_config(folder: Path, http_port: int, https_port: int, upstreams: list[int]) -> Path:
    cert, key = make_certificate(folder)
    shutil.copy(PROXY_SNIPPET, folder / "facilitator-proxy.conf")
    # A copy of the static files that nginx (nobody, when the caller is root) can read: a
    # checkout may sit below a folder only its owner can enter (mktemp -d makes one 0700).
    shutil.copytree(ROOT / "facilitator" / "static", folder / "static")
    (folder / "facilitator.conf").write_text(
        render_site(
            http_port=http_port,
            https_port=https_port,
            upstreams=upstreams,
            folder=folder,
            cert=cert,
            key=key,
        )
    )
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""# Written by tests/nginx_stack.py around deploy/nginx/facilitator.conf.
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/facilitator.conf;
}}
"""
    )
    return conf


@contextmanager
def nginx(upstreams: list[int]) -> Iterator[Nginx]:
    """nginx on two free loopback ports in front of ``upstreams``; stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="facilitator-nginx-"))
    running = Nginx(folder, free_port(), free_port(), upstreams)
    conf = write_config(folder, running.http_port, running.https_port, upstreams)
    as_root = os.geteuid() == 0
    if as_root:  # nginx itself runs as nobody: everything it reads or writes is its own
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    command = [NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
    preexec = _drop_root if as_root else None
    checked = subprocess.run(
        [*command, "-t"],
        capture_output=True,
        text=True,
        preexec_fn=preexec,  # noqa: PLW1509
    )
    if checked.returncode != 0:
        raise AssertionError(f"nginx -t refused the site:\n{checked.stderr}")
    running.process = subprocess.Popen(
        [*command, "-g", "daemon off;"],
        preexec_fn=preexec,  # noqa: PLW1509
    )
    try:
        wait_for(f"https://127.0.0.1:{running.https_port}/healthz", running.process)
        yield running
    finally:
        running.process.send_signal(signal.SIGQUIT)
        try:
            running.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait()
        if os.environ.get("KEEP_NGINX_FOLDER") != "1":
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def kept_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards unless KEEP_NGINX_FOLDER=1 (to read the logs)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        if os.environ.get("KEEP_NGINX_FOLDER") == "1":
            print(f"\nkept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Until ``url`` answers 200 (the process must stay up meanwhile)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5, context=insecure()) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"{url}: the process stopped while starting")
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.2)


@dataclass
class Instance:
    """One gunicorn instance of the app."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        """SIGTERM: gunicorn finishes the requests in hand and exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def instance(database_url: str, folder: Path, **env: str) -> Iterator[Instance]:
    """One app instance (its own gunicorn, its own instance folder and speech cache), waited for
    until ``/readyz`` says ready."""
    port = free_port()
    own = folder / f"instance-{port}"
    own.mkdir(parents=True)
    environ = dict(
        os.environ,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS=env.pop("WORKERS", "1"),
        TRUSTED_PROXIES="1",
        SPEECH_CACHE_DIR=str(own / "audio"),
        MAIL_FOLDER=str(own / "outbox"),
        LOG_FORMAT="json",
        **env,
    )
    environ.pop("FACILITATOR_ENV", None)
    log_path = own / "gunicorn.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "facilitator:create_app()",
            ],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Instance(port, process, log_path)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", process)
        yield running
    finally:
        running.stop()
