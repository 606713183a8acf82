"""nginx in front of daphne on loopback, with a throw-away CA: the production front end, privately.

`TestPKI` makes a root CA, an intermediate and a server certificate for
localhost with `openssl`; nginx serves the server certificate with the
intermediate (the full chain) and clients trust the root only, as phones
do. `Nginx` runs Debian's nginx as the current user with its own prefix, pid
file, logs and temporary folders under a temporary folder, on a free port,
with the configuration `scripts/nginx_conf.py` renders from docs/ops/nginx/.
"""

import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

from .servers import ROOT, wait_for_port
from .services import free_port, missing

NGINX = "/usr/sbin/nginx"


def nginx_path():
    """Return nginx's path; missing means skip locally and fail under CI."""
    if not Path(NGINX).exists():
        missing(f"{NGINX} is not installed (apt-get install -y nginx)")
    return NGINX


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class TestPKI:
    """A root CA, an intermediate CA and a localhost server certificate, in a temporary folder."""

    __test__ = False  # not a test class, despite the name

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="csbot-pki-"))
        d = self.dir
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n")
        (d / "server.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        )
        _openssl("req", "-x509", *ec, "-keyout", "root.key", "-out", "root.pem", "-days", "2",
                 "-subj", "/CN=csbot test root", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
        _openssl("req", *ec, "-keyout", "intermediate.key", "-out", "intermediate.csr",
                 "-subj", "/CN=csbot test intermediate", cwd=d)
        _openssl("x509", "-req", "-in", "intermediate.csr", "-CA", "root.pem", "-CAkey", "root.key",
                 "-CAcreateserial", "-out", "intermediate.pem", "-days", "2", "-extfile", "ca.ext", cwd=d)
        _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "intermediate.pem", "-CAkey", "intermediate.key",
                 "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)
        self.chain = d / "fullchain.pem"
        self.chain.write_text((d / "server.pem").read_text() + (d / "intermediate.pem").read_text())
        self.key = d / "server.key"
        self.root = d / "root.pem"

    def client_context(self):
        """An SSL context that trusts the test root only (not the intermediate)."""
        return ssl.create_default_context(cafile=str(self.root))

    def spki_hash(self):
        """The server key's SPKI SHA-256, base64: what Chromium's --ignore-certificate-errors-spki-list takes."""
        pub = subprocess.run(["openssl", "pkey", "-in", str(self.key), "-pubout", "-outform", "der"],
                             check=True, capture_output=True).stdout
        import base64
        import hashlib

        return base64.b64encode(hashlib.sha256(pub).digest()).decode()

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Nginx:
    """A private nginx terminating TLS on a loopback port and balancing over daphne instances."""

    def __init__(self, pki, upstreams, *, static_root, heartbeat_s=10, longpoll_max_s=30, port=None):
        self.pki = pki
        self.port = port or free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="csbot-nginx-"))
        self.conf = self.prefix / "nginx.conf"
        rendered = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "nginx_conf.py"), "--prefix", str(self.prefix),
             "--listen", f"127.0.0.1:{self.port}", "--server-name", "localhost", "--chain", str(pki.chain),
             "--key", str(pki.key), "--static-root", str(static_root), "--heartbeat-s", str(heartbeat_s),
             "--longpoll-max-s", str(longpoll_max_s),
             *[arg for up in upstreams for arg in ("--upstream", up)]],
            check=True, capture_output=True, text=True,
        ).stdout
        self.conf.write_text(rendered)
        self.proc = subprocess.Popen(
            [nginx_path(), "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.prefix / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        wait_for_port(self.port, proc=self.proc)
        self.ssl_context = pki.client_context()

    @property
    def origin(self):
        return f"https://localhost:{self.port}"

    @property
    def http(self):
        return self.origin

    @property
    def ws(self):
        return f"wss://localhost:{self.port}"

    def error_log(self):
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.prefix, ignore_errors=True)


def collect_static(env):
    """Run collectstatic into a fresh folder and return it."""
    root = Path(tempfile.mkdtemp(prefix="csbot-static-"))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env={**env, "STATIC_ROOT": str(root)}, check=True)
    return root
