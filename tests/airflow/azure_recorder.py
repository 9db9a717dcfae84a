"""A local Azure Blob endpoint for the XCom proof: Azurite behind a recording, authorizing TLS proxy.

``AzureBlobEmulator`` starts Azurite (npm ``azurite@3.35.0``, installed by ``scripts/emulators.sh`` into a
cache outside the repository) on ``127.0.0.1`` with the account the stack renders and a key made up for
the test, and a TLS proxy in front of it (adlfs always speaks ``https://``). Every request through the
proxy is recorded as the Blob REST operation it is and the Azure RBAC permission that operation needs
(Microsoft's "Permissions for calling blob and queue data operations"); when a permission set is given,
a request it does not cover is answered with Azure's own ``403 AuthorizationPermissionMismatch`` and
never reaches Azurite. Unknown operations are recorded as ``UNMAPPED`` and refused, so nothing passes
unjudged. Both servers listen on loopback only and stop with the context manager.
"""
from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STORAGE = "Microsoft.Storage/storageAccounts/blobServices"
BLOBS = f"{STORAGE}/containers/blobs"


@dataclass
class Call:
    seq: int
    method: str
    path: str
    query: str
    operation: str
    permission: str
    allowed: bool | None = None
    status: int = 0

    def describe(self) -> str:
        q = f"?{self.query}" if self.query else ""
        return f"{self.operation} {self.method} {self.path}{q} -> {self.permission}"


def classify(method: str, path: str, query: dict[str, list[str]]) -> tuple[str, str]:
    """(Blob REST operation, RBAC permission) of one request on ``/<account>/<container>[/<blob>]``."""
    parts = [p for p in path.split("/") if p]
    comp = (query.get("comp") or [""])[0]
    restype = (query.get("restype") or [""])[0]
    if len(parts) == 1:
        if restype == "service" and comp == "properties" and method == "GET":
            return "Get Blob Service Properties", f"{STORAGE}/read"
        if comp == "list" and method == "GET":
            return "List Containers", f"{STORAGE}/containers/read"
        if restype == "account" and comp == "properties":
            return "Get Account Information", f"{STORAGE}/containers/read"
        return "UNMAPPED", "-"
    if len(parts) == 2 and restype == "container":
        if comp == "" and method in ("GET", "HEAD"):
            return "Get Container Properties", f"{STORAGE}/containers/read"
        if comp == "list" and method == "GET":
            return "List Blobs", f"{BLOBS}/read"
        if comp == "" and method == "PUT":
            return "Create Container", f"{STORAGE}/containers/write"
        if comp == "" and method == "DELETE":
            return "Delete Container", f"{STORAGE}/containers/delete"
        if comp == "batch" and method == "POST":
            return "Blob Batch", "(per sub-request)"
        return "UNMAPPED", "-"
    if len(parts) >= 3:
        if method in ("GET", "HEAD") and comp in ("", "metadata", "blocklist"):
            return {"": "Get Blob" if method == "GET" else "Get Blob Properties"}.get(comp, f"Get Blob ({comp})"), f"{BLOBS}/read"
        if method == "PUT" and comp == "":
            return "Put Blob", f"{BLOBS}/write"
        if method == "PUT" and comp == "block":
            return "Put Block", f"{BLOBS}/write"
        if method == "PUT" and comp == "blocklist":
            return "Put Block List", f"{BLOBS}/write"
        if method == "PUT" and comp in ("metadata", "properties"):
            return f"Set Blob {comp.title()}", f"{BLOBS}/write"
        if method == "DELETE" and comp == "":
            return "Delete Blob", f"{BLOBS}/delete"
    return "UNMAPPED", "-"


def _batch_subrequests(body: bytes) -> list[tuple[str, str]]:
    """(method, path) of each sub-request in a Blob Batch body."""
    return re.findall(r"^(DELETE|PUT|GET|HEAD) (\S+) HTTP/1\.1\r?$", body.decode("latin-1"), flags=re.M)


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "proxy.crt", tmp / "proxy.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def azurite_binary() -> str:
    """The pinned azurite-blob, installed by scripts/emulators.sh on first use."""
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "emulators.sh")], capture_output=True, text=True, timeout=600, check=True
    )
    return out.stdout.strip().splitlines()[-1]


class AzureBlobEmulator:
    """Azurite with one account (the rendered name, a test key) behind the recording TLS proxy."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.key = base64.b64encode(os.urandom(64)).decode()
        self.permissions: set[str] | None = None
        #: The containers the role assignment's scope covers (None: the whole account). A call outside
        #: them is refused as Azure refuses it: the assignment does not reach it.
        self.containers: set[str] | None = None
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    # ----- lifecycle
    def __enter__(self) -> "AzureBlobEmulator":
        if shutil.which("node") is None:
            raise RuntimeError("node is not on PATH: Azurite cannot run")
        self._tmp = Path(tempfile.mkdtemp(prefix="astro-azurite-"))
        self.azurite_port = _free_port()
        env = {**os.environ, "AZURITE_ACCOUNTS": f"{self.account}:{self.key}"}
        self._azurite = subprocess.Popen(
            [
                azurite_binary(),
                "--blobHost", "127.0.0.1",
                "--blobPort", str(self.azurite_port),
                "--skipApiVersionCheck",
                "--disableProductStyleUrl",
                "--disableTelemetry",
                "--inMemoryPersistence",
                "--extentMemoryLimit", "256",
                "--silent",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.azurite_port), timeout=1):
                    break
            except OSError:
                if self._azurite.poll() is not None:
                    raise RuntimeError(f"azurite exited: {self._azurite.stdout.read() if self._azurite.stdout else ''}")
                time.sleep(0.2)
        else:
            raise RuntimeError("azurite did not start within 60 s")
        self.cert, key = _self_signed(self._tmp)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._azurite.terminate()
        try:
            self._azurite.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._azurite.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)

    # ----- what the test uses
    @property
    def account_host(self) -> str:
        """What adlfs puts after ``https://``: the proxy, path-style with the account."""
        return f"127.0.0.1:{self.port}/{self.account}"

    @property
    def connection_string(self) -> str:
        """Direct (unrecorded) access for setting up and inspecting the emulator."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account};AccountKey={self.key};"
            f"BlobEndpoint=http://127.0.0.1:{self.azurite_port}/{self.account};"
        )

    def take_calls(self) -> list[Call]:
        with self._lock:
            calls, self._calls = self._calls, []
        return calls

    # ----- the proxy
    def _judge(self, method: str, path: str, query: str, body: bytes) -> list[Call]:
        op, perm = classify(method, path, parse_qs(query))
        subs = _batch_subrequests(body) if op == "Blob Batch" else []
        calls = []
        for m, p in subs or [(method, path)]:
            sp = urlsplit(p)
            sub_path = sp.path if sp.path.startswith(f"/{self.account}/") else f"/{self.account}{sp.path}"
            o, pm = (op, perm) if not subs else classify(m, sub_path, parse_qs(sp.query))
            if subs:
                o = f"Blob Batch: {o}"
            allowed = None if self.permissions is None else (pm in self.permissions)
            parts = [x for x in sub_path.split("/") if x] if subs else [x for x in path.split("/") if x]
            if self.containers is not None and (len(parts) < 2 or parts[1] not in self.containers):
                allowed = False
            if o.endswith("UNMAPPED"):
                allowed = False
            calls.append(Call(0, m, sub_path if subs else path, "" if subs else query, o, pm, allowed))
        return calls

    def _handler(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                return

            def _forward(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                calls = emulator._judge(self.command, split.path, split.query, body)
                denied = any(c.allowed is False for c in calls)
                with emulator._lock:
                    for c in calls:
                        c.seq = len(emulator._calls) + 1
                        emulator._calls.append(c)
                if denied:
                    payload = (
                        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code>'
                        "<Message>This request is not authorized to perform this operation using this permission.</Message></Error>"
                    ).encode()
                    self.send_response(403, "This request is not authorized to perform this operation using this permission.")
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("x-ms-error-code", "AuthorizationPermissionMismatch")
                    self.send_header("Content-Length", str(len(payload) if self.command != "HEAD" else 0))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    for c in calls:
                        c.status = 403
                    return
                conn = http.client.HTTPConnection("127.0.0.1", emulator.azurite_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                headers["Host"] = f"127.0.0.1:{emulator.azurite_port}"
                conn.request(self.command, self.path, body=body if length else None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                for c in calls:
                    c.status = resp.status
                self.send_response(resp.status, resp.reason)
                head = self.command == "HEAD"  # a HEAD answer keeps the blob's own Content-Length
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection") and (head or k.lower() != "content-length"):
                        self.send_header(k, v)
                if not head:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward  # noqa: N815

        return Handler
