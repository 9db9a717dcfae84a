"""A local Google Cloud for the GCP permission proof: fake-gcs-server (the toolchain builds it) behind a
recording, enforcing front, a GKE-style metadata server for Application Default Credentials, and a TLS gRPC
endpoint that serves Secret Manager's ``AccessSecretVersion`` and Storage Control's ``GetStorageLayout``.
Everything listens on 127.0.0.1 and is stopped by the context manager.

Application Default Credentials cannot be real here (no GKE, no Google). What GKE provides is modelled:
the pod's ADC chain finds the metadata server (``GCE_METADATA_HOST``/``GCE_METADATA_IP`` point at
:class:`MetadataServer`), whose token identifies the Kubernetes ServiceAccount's principal (identity
``direct``) or, when the ServiceAccount is annotated with a Google service account, that account, but only
if the grants let the ServiceAccount's ``serviceAccount:<pool>[<ns>/<sa>]`` member use
``iam.serviceAccounts.getAccessToken`` on it (``roles/iam.workloadIdentityUser``), as the GKE metadata
server does. Every request is then authorized for the member behind its bearer token.

Each request is mapped to its API method and the IAM permission(s) it needs (Cloud Storage "IAM
permissions for JSON methods"; Secret Manager and Storage Control method references):

=========================================  ==========================================================
request                                    permission (resource)
=========================================  ==========================================================
objects.get  GET …/b/B/o/O (JSON or media)  ``storage.objects.get`` (``projects/_/buckets/B/objects/O``)
objects.list GET …/b/B/o?prefix=P           ``storage.objects.list`` (the bucket; attribute
                                            ``storage.googleapis.com/objectListPrefix`` = P, "" if none)
objects.insert POST /upload/…/b/B/o         ``storage.objects.create`` (the object); also
  (media, multipart, resumable start)       ``storage.objects.delete`` when it replaces an existing object
resumable upload chunk PUT …&upload_id=     ``storage.objects.create`` on the session's object
objects.delete DELETE …/b/B/o/O             ``storage.objects.delete``
objects.patch/update                        ``storage.objects.update``
buckets.get GET …/b/B                       ``storage.buckets.get`` (the bucket)
buckets.list / buckets.insert               ``storage.buckets.list`` / ``storage.buckets.create`` (the project)
StorageControl.GetStorageLayout (gRPC)      ``storage.objects.list`` (the bucket; objectListPrefix = the
                                            request's ``prefix``)
SecretManagerService.AccessSecretVersion    ``secretmanager.versions.access``
                                            (``projects/<number>/secrets/<id>/versions/<v>``)
IAM Credentials generateAccessToken         ``iam.serviceAccounts.getAccessToken`` (the Google service
  (by the metadata server, for a GSA)       account), for the ServiceAccount's workload identity member
=========================================  ==========================================================

A missing object read through objects.get is answered as GCS answers it, ``404 No such object: B/O`` (the
text ``GCSRemoteLogIO`` tells "no log yet" by; fake-gcs-server's own answer is a bare ``Not Found``).

Anything else (compose, rewrite, copy, batch, another gRPC method) is recorded as ``UNMAPPED`` and
refused, so nothing passes unjudged. Requests with the ``X-Proof-Admin`` header (setup and inspection by the
test) pass through unrecorded.
"""
from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import socket
import subprocess
import threading
import time
from concurrent import futures
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from gcp_iam import Request, evaluate

ADMIN_HEADER = "X-Proof-Admin"
STORAGE_CONTROL = "/google.storage.control.v2.StorageControl/"
SECRET_MANAGER = "/google.cloud.secretmanager.v1.SecretManagerService/"


@dataclass
class Call:
    """One permission check made on behalf of one API call."""

    seq: int
    service: str
    operation: str
    http: str
    member: str
    permission: str
    resource: str
    resource_type: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    note: str = ""
    allowed: bool | None = None
    status: int | None = None

    def request(self) -> Request:
        return Request(self.member, self.permission, self.resource, self.resource_type, self.attributes)

    def describe(self) -> str:
        attrs = "".join(f" {k.rsplit('/', 1)[-1]}={v!r}" for k, v in sorted(self.attributes.items()))
        note = f"  ({self.note})" if self.note else ""
        return f"{self.operation:<28} {self.permission:<36} {self.resource}{attrs}{note}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Unmapped(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tls_material(directory: Path) -> tuple[bytes, bytes, bytes]:
    """A throwaway CA and a server certificate for 127.0.0.1 (gRPC clients trust the CA through
    ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH``, set only in the scenario's environment)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gcp-proof-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=6))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=6))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    (directory / "ca.pem").write_bytes(ca_pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca_pem, key_pem, cert.public_bytes(pem)


def _splice(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (dst,):
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join(timeout=30)
    a.close()
    b.close()


class GcpEmulator:
    """The local Google Cloud; use as a context manager. ``endpoint`` is ``STORAGE_EMULATOR_HOST``."""

    def __init__(self, binary: str, workdir: Path, project: str, project_number: str) -> None:
        self.binary, self.workdir = binary, workdir
        self.project, self.project_number = project, project_number
        #: grants to enforce (None: record only), and the custom roles they name
        self.grants: list[dict[str, Any]] | None = None
        self.custom_roles: dict[str, frozenset[str]] = {}
        #: who the pod is: Kubernetes namespace/name, pool, and the annotated Google service account if any
        self.identity: dict[str, Any] = {}
        #: seeded secrets by resource name with the project number
        self.secrets: dict[str, bytes] = {}
        self.calls: list[Call] = []
        self._tokens: dict[str, str] = {}
        self._uploads: dict[str, str] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []
        self.endpoint = self.metadata_host = self.ca_file = ""
        self.grpc_port = 0

    # ----- lifecycle -----------------------------------------------------------------------------------------

    def __enter__(self) -> "GcpEmulator":
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _serve(self, server: Any, name: str) -> None:
        self._servers.append(server)
        t = threading.Thread(target=server.serve_forever, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _start(self) -> None:
        em = self
        # the front: TLS (gRPC) goes to the gRPC server, plain HTTP to the JSON API proxy
        front = socket.socket()
        front.bind(("127.0.0.1", 0))
        front.listen(64)
        self._front = front
        self.endpoint = f"http://127.0.0.1:{front.getsockname()[1]}"

        # fake-gcs-server on a free port, telling clients the front's URL (resumable upload Location)
        self.gcs_port = _free_port()
        log = open(self.workdir / "fake-gcs-server.log", "wb")
        self._proc = subprocess.Popen(
            [self.binary, "-scheme", "http", "-host", "127.0.0.1", "-port", str(self.gcs_port),
             "-backend", "memory", "-external-url", self.endpoint, "-public-host", f"127.0.0.1:{self.gcs_port}",
             "-log-level", "warn"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.gcs_port, timeout=2)
                c.request("GET", "/storage/v1/b")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fake-gcs-server did not start: {(self.workdir / 'fake-gcs-server.log').read_text()}")
            time.sleep(0.1)

        class Proxy(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                em._proxy(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815

        proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        proxy.daemon_threads = True
        self._serve(proxy, "gcs-proxy")
        self._proxy_port = proxy.server_address[1]

        class Metadata(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                em._metadata(self)

        md = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
        md.daemon_threads = True
        self._serve(md, "gke-metadata")
        self.metadata_host = f"127.0.0.1:{md.server_address[1]}"

        import grpc

        ca, key, cert = _tls_material(self.workdir)
        self.ca_file = str(self.workdir / "ca.pem")

        class Handler(grpc.GenericRpcHandler):
            def service(self, details: Any) -> Any:
                return em._grpc_handler(details)

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        server.add_generic_rpc_handlers([Handler()])
        self.grpc_port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
        server.start()
        self._grpc = server
        t = threading.Thread(target=self._accept, name="gcp-front", daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._front.accept()
            except OSError:
                return
            threading.Thread(target=self._route, args=(conn,), daemon=True).start()

    def _route(self, conn: socket.socket) -> None:
        try:
            first = conn.recv(1, socket.MSG_PEEK)
        except OSError:
            conn.close()
            return
        port = self.grpc_port if first == b"\x16" else self._proxy_port
        try:
            upstream = socket.create_connection(("127.0.0.1", port))
        except OSError:
            conn.close()
            return
        _splice(conn, upstream)

    def __exit__(self, *exc: Any) -> None:
        if getattr(self, "_front", None) is not None:
            self._front.close()
        for s in self._servers:
            s.shutdown()
            s.server_close()
        if getattr(self, "_grpc", None) is not None:
            self._grpc.stop(grace=None).wait(10)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)

    # ----- recording and deciding ----------------------------------------------------------------------------

    def record(self, *calls: Call) -> None:
        with self._lock:
            for c in calls:
                self._seq += 1
                c.seq = self._seq
                self.calls.append(c)

    def take_calls(self) -> list[Call]:
        with self._lock:
            out, self.calls = self.calls, []
            return out

    def decide(self, calls: list[Call]) -> bool:
        if self.grants is None:
            return True
        for c in calls:
            d = evaluate(self.grants, c.request(), self.custom_roles, {self.project: self.project_number})
            c.allowed = d.allowed
        return all(c.allowed for c in calls)

    def member_of(self, authorization: str | None) -> str:
        if authorization and authorization.lower().startswith("bearer "):
            return self._tokens.get(authorization[7:].strip(), "unknown-token")
        return "allUsers"

    # ----- metadata server (ADC) -----------------------------------------------------------------------------

    def _metadata(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path

        def answer(status: int, body: Any, ctype: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else str(body)).encode()
            h.send_response(status)
            h.send_header("Metadata-Flavor", "Google")
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)

        if h.headers.get("Metadata-Flavor") != "Google":
            return answer(403, b"Missing Metadata-Flavor:Google header.", "text/plain")
        ident = self.identity
        gsa = ident.get("gsa")
        email = gsa or ident.get("pool", "")
        if path in ("/", "/computeMetadata/v1/", "/computeMetadata/v1"):
            return answer(200, b"computeMetadata/\n", "text/plain")
        if path == "/computeMetadata/v1/project/project-id":
            return answer(200, self.project, "text/plain")
        if path == "/computeMetadata/v1/project/numeric-project-id":
            return answer(200, self.project_number, "text/plain")
        if path.startswith("/computeMetadata/v1/instance/service-accounts/default/"):
            leaf = path.rsplit("/", 1)[-1]
            if leaf == "token":
                token, error = self._issue_token()
                if error:
                    return answer(403, error, "text/plain")
                return answer(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
            if leaf == "email":
                return answer(200, email, "text/plain")
            if leaf == "scopes":
                return answer(200, "https://www.googleapis.com/auth/cloud-platform\n", "text/plain")
            if leaf in ("", "default") or "recursive" in (urlsplit(h.path).query or ""):
                return answer(200, {"aliases": ["default"], "email": email,
                                    "scopes": ["https://www.googleapis.com/auth/cloud-platform"]})
        return answer(404, b"not found", "text/plain")

    def _issue_token(self) -> tuple[str, str]:
        ident = self.identity
        ksa_member = f"serviceAccount:{ident['pool']}[{ident['namespace']}/{ident['name']}]"
        gsa = ident.get("gsa")
        if gsa:
            call = Call(0, "iamcredentials", "generateAccessToken", "metadata token", ksa_member,
                        "iam.serviceAccounts.getAccessToken", gsa, "iam.googleapis.com/ServiceAccount",
                        note="GKE metadata server impersonates the annotated Google service account")
            ok = self.decide([call])
            call.status = 200 if ok else 403
            self.record(call)
            if not ok:
                return "", (f"Unable to generate access token; IAM returned 403 Forbidden: Permission "
                            f"'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
            member = f"serviceAccount:{gsa}"
        else:
            member = ident["principal"]
        token = f"proof-token-{len(self._tokens) + 1}"
        self._tokens[token] = member
        return token, ""

    # ----- GCS JSON API --------------------------------------------------------------------------------------

    def _plan(self, method: str, path: str, query: str, body: bytes, member: str) -> tuple[str, list[Call]]:
        q = parse_qs(query, keep_blank_values=True)
        parts = path.strip("/").split("/")
        http_line = f"{method} {path}" + (f"?{query}" if query else "")

        def call(op: str, perm: str, resource: str, rtype: str, attrs: dict[str, str] | None = None, note: str = "") -> Call:
            return Call(0, "storage", op, http_line, member, perm, resource, rtype, attrs or {}, note)

        def obj(bucket: str, name: str) -> str:
            return f"projects/_/buckets/{bucket}/objects/{name}"

        bucket_type, object_type = "storage.googleapis.com/Bucket", "storage.googleapis.com/Object"
        if parts[:2] == ["batch", "storage"]:
            raise Unmapped("batch request")
        media = parts[0] in ("upload", "download")
        rest = parts[3:] if media else parts[2:]
        if parts[0] not in ("storage", "upload", "download") or (parts[1:3] if media else parts[1:2]) != (
            ["storage", "v1"] if media else ["v1"]
        ):
            raise Unmapped(f"path {path}")
        if rest == ["b"]:
            if method == "GET":
                return "buckets.list", [call("buckets.list", "storage.buckets.list", f"projects/{self.project}", "")]
            if method == "POST":
                return "buckets.insert", [call("buckets.insert", "storage.buckets.create", f"projects/{self.project}", "")]
        if len(rest) == 2 and rest[0] == "b" and method == "GET":
            return "buckets.get", [call("buckets.get", "storage.buckets.get", f"projects/_/buckets/{rest[1]}", bucket_type)]
        if len(rest) == 3 and rest[0] == "b" and rest[2] == "o":
            bucket = rest[1]
            if method == "GET" and not media:
                prefix = q.get("prefix", [""])[0]
                return "objects.list", [call("objects.list", "storage.objects.list", f"projects/_/buckets/{bucket}",
                                             bucket_type, {"storage.googleapis.com/objectListPrefix": prefix})]
            if method in ("POST", "PUT") and parts[0] == "upload":
                kind = q.get("uploadType", [""])[0]
                if "upload_id" in q:
                    name = self._uploads.get(q["upload_id"][0], "")
                    if not name:
                        raise Unmapped("chunk of an unknown resumable upload")
                    return "objects.insert", [call("objects.insert", "storage.objects.create", obj(bucket, name),
                                                   object_type, note="resumable upload, next chunk")]
                name = q.get("name", [""])[0] or self._name_from_body(body)
                if not name:
                    raise Unmapped("upload without an object name")
                calls = [call("objects.insert", "storage.objects.create", obj(bucket, name), object_type,
                              note=f"uploadType={kind}")]
                if q.get("ifGenerationMatch") != ["0"] and self._exists(bucket, name):
                    calls.append(call("objects.insert", "storage.objects.delete", obj(bucket, name), object_type,
                                      note="replaces an existing object"))
                return "objects.insert", calls
        if len(rest) >= 4 and rest[0] == "b" and rest[2] == "o":
            bucket, name = rest[1], unquote("/".join(rest[3:]))
            if any(s in name.split("/")[-1:] for s in ("compose", "rewriteTo", "copyTo", "moveTo")):
                raise Unmapped(f"{method} {path}")
            if method == "GET":
                return "objects.get", [call("objects.get", "storage.objects.get", obj(bucket, name), object_type,
                                            note="media" if (media or q.get("alt") == ["media"]) else "")]
            if method == "DELETE" and not media:
                return "objects.delete", [call("objects.delete", "storage.objects.delete", obj(bucket, name), object_type)]
            if method in ("PATCH", "PUT") and not media:
                return "objects.update", [call("objects.update", "storage.objects.update", obj(bucket, name), object_type)]
        raise Unmapped(f"{method} {path}")

    @staticmethod
    def _name_from_body(body: bytes) -> str:
        text = body.decode("utf-8", "replace")
        start = text.find("{")
        while start != -1:
            try:
                doc, _ = json.JSONDecoder().raw_decode(text[start:])
                if isinstance(doc, dict) and isinstance(doc.get("name"), str):
                    return doc["name"]
            except ValueError:
                pass
            start = text.find("{", start + 1)
        return ""

    def _exists(self, bucket: str, name: str) -> bool:
        c = http.client.HTTPConnection("127.0.0.1", self.gcs_port, timeout=10)
        from urllib.parse import quote

        c.request("GET", f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}")
        r = c.getresponse()
        r.read()
        return r.status == 200

    def _proxy(self, h: BaseHTTPRequestHandler) -> None:
        body = self._read_body(h)
        split = urlsplit(h.path)
        if h.headers.get(ADMIN_HEADER):
            return self._forward(h, body)
        member = self.member_of(h.headers.get("Authorization"))
        http_line = f"{h.command} {split.path}" + (f"?{split.query}" if split.query else "")
        try:
            _, calls = self._plan(h.command, split.path, split.query, body, member)
        except Unmapped as e:
            self.record(Call(0, "storage", "UNMAPPED", http_line, member, "UNMAPPED", str(e), status=501))
            return self._answer(h, 501, {"error": {"code": 501, "message": f"not mapped by the proof: {e}"}})
        if not self.decide(calls):
            denied = next(c for c in calls if c.allowed is False)
            for c in calls:
                c.status = 403
            self.record(*calls)
            msg = (f"{member} does not have {denied.permission} access to the Google Cloud Storage "
                   f"{'bucket' if denied.resource_type.endswith('Bucket') else 'object'}. Permission "
                   f"'{denied.permission}' denied on resource (or it may not exist).")
            return self._answer(h, 403, {"error": {"code": 403, "message": msg,
                                                  "errors": [{"message": msg, "domain": "global", "reason": "forbidden"}]}})
        status, headers, out = self._forward(h, body, respond=False)
        if status == 404 and any(c.operation == "objects.get" for c in calls):
            # GCS names the object in a missing-object answer ("No such object: <bucket>/<name>", what
            # GCSRemoteLogIO.no_log_found looks for); fake-gcs-server says only "Not Found".
            name = unquote(split.path.split("/o/", 1)[1])
            msg = f"No such object: {split.path.split('/b/', 1)[1].split('/', 1)[0]}/{name}"
            self._answer(h, 404, {"error": {"code": 404, "message": msg,
                                            "errors": [{"message": msg, "domain": "global", "reason": "notFound"}]}})
        else:
            self._relay(h, status, headers, out)
        for c in calls:
            c.status = status
        self.record(*calls)
        if h.command == "POST" and "uploadType=resumable" in split.query and status == 200:
            location = dict((k.lower(), v) for k, v in headers).get("location", "")
            upload_id = parse_qs(urlsplit(location).query).get("upload_id", [""])[0]
            if upload_id:
                self._uploads[upload_id] = next(
                    c.resource.split("/objects/", 1)[1] for c in calls if "/objects/" in c.resource
                )

    @staticmethod
    def _read_body(h: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(h.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += h.rfile.read(size)
                h.rfile.readline()
        length = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(length) if length else b""

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes, respond: bool = True) -> tuple[int, list[tuple[str, str]], bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.gcs_port, timeout=60)
        # the client's Host header is kept: fake-gcs-server builds resumable-upload URLs from it, so the
        # upload's chunks come back through this front and are recorded too
        headers = {
            k: v for k, v in h.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", ADMIN_HEADER.lower())
        }
        headers["Content-Length"] = str(len(body))
        c.request(h.command, h.path, body=body, headers=headers)
        r = c.getresponse()
        out = r.read()
        hdrs = [(k, v) for k, v in r.getheaders() if k.lower() not in ("transfer-encoding", "content-length", "connection")]
        if respond:
            self._relay(h, r.status, hdrs, out)
        return r.status, hdrs, out

    @staticmethod
    def _relay(h: BaseHTTPRequestHandler, status: int, hdrs: list[tuple[str, str]], out: bytes) -> None:
        h.send_response(status)
        for k, v in hdrs:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(out)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(out)

    @staticmethod
    def _answer(h: BaseHTTPRequestHandler, status: int, doc: Mapping[str, Any]) -> None:
        data = json.dumps(doc).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    # ----- gRPC: Secret Manager and Storage Control ------------------------------------------------------------

    def _grpc_handler(self, details: Any) -> Any:
        import grpc

        method: str = details.method
        member = self.member_of(dict(details.invocation_metadata or ()).get("authorization"))
        em = self

        if method == SECRET_MANAGER + "AccessSecretVersion":
            from google.cloud.secretmanager_v1.types import AccessSecretVersionRequest, AccessSecretVersionResponse, SecretPayload

            def access(req: Any, context: Any) -> Any:
                # IAM knows the version by the project's number; the client may name the project by id
                name = req.name.replace(f"projects/{em.project}/", f"projects/{em.project_number}/", 1)
                secret = name.rsplit("/versions/", 1)[0]
                call = Call(0, "secretmanager", "AccessSecretVersion", f"gRPC {method}", member,
                            "secretmanager.versions.access", name, "secretmanager.googleapis.com/SecretVersion")
                ok = em.decide([call])
                if not ok:
                    call.status = 403
                    em.record(call)
                    context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                  f"Permission 'secretmanager.versions.access' denied for resource '{req.name}' (or it may not exist).")
                if secret not in em.secrets:
                    call.status = 404
                    em.record(call)
                    context.abort(grpc.StatusCode.NOT_FOUND, f"Secret [{secret}] not found or has no versions.")
                call.status = 200
                em.record(call)
                return AccessSecretVersionResponse(name=f"{secret}/versions/1", payload=SecretPayload(data=em.secrets[secret]))

            return grpc.unary_unary_rpc_method_handler(
                access, request_deserializer=AccessSecretVersionRequest.deserialize,
                response_serializer=AccessSecretVersionResponse.serialize)

        if method == STORAGE_CONTROL + "GetStorageLayout":
            from google.cloud.storage_control_v2.types import GetStorageLayoutRequest, StorageLayout

            def layout(req: Any, context: Any) -> Any:
                bucket = req.name.split("/buckets/", 1)[1].split("/", 1)[0]
                call = Call(0, "storagecontrol", "GetStorageLayout", f"gRPC {method}", member, "storage.objects.list",
                            f"projects/_/buckets/{bucket}", "storage.googleapis.com/Bucket",
                            {"storage.googleapis.com/objectListPrefix": req.prefix})
                ok = em.decide([call])
                call.status = 200 if ok else 403
                em.record(call)
                if not ok:
                    context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                  f"{member} does not have storage.objects.list access to the Google Cloud Storage bucket.")
                return StorageLayout(name=req.name, location="EUROPE-WEST1", location_type="region")

            return grpc.unary_unary_rpc_method_handler(
                layout, request_deserializer=GetStorageLayoutRequest.deserialize,
                response_serializer=StorageLayout.serialize)

        def unmapped(req: Any, context: Any) -> Any:
            em.record(Call(0, "grpc", "UNMAPPED", f"gRPC {method}", member, "UNMAPPED", method, status=501))
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"not mapped by the proof: {method}")

        return grpc.unary_unary_rpc_method_handler(unmapped)

    # ----- admin (unrecorded) --------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.gcs_port, timeout=30)
        c.request(method, path, body=body, headers={"Content-Length": str(len(body)), **(headers or {})})
        r = c.getresponse()
        return r.status, r.read()

    def create_bucket(self, name: str) -> None:
        status, out = self.admin("POST", "/storage/v1/b", json.dumps({"name": name}).encode(),
                                 {"Content-Type": "application/json"})
        assert status == 200, out

    def objects(self, bucket: str) -> list[str]:
        status, out = self.admin("GET", f"/storage/v1/b/{bucket}/o")
        assert status == 200, out
        return [o["name"] for o in json.loads(out).get("items", [])]

    def delete_object(self, bucket: str, name: str) -> None:
        from urllib.parse import quote

        self.admin("DELETE", f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}")


def fake_gcs_server_binary(repo: Path) -> str:
    """The toolchain's fake-gcs-server (`scripts/toolchain.sh install fakegcs` builds it when missing), found
    through the PATH that `scripts/toolchain.sh --print-env` exports."""
    import shutil

    script = repo / "scripts" / "toolchain.sh"

    def lookup() -> str | None:
        env = subprocess.run(["bash", str(script), "--print-env"], capture_output=True, text=True, check=True).stdout
        path_line = next(line for line in env.splitlines() if line.startswith("export PATH="))
        dirs = path_line.split("=", 1)[1].strip('"').replace(":$PATH", "")
        return shutil.which("fake-gcs-server", path=dirs)

    found = lookup()
    if found is None:
        build = subprocess.run(["bash", str(script), "install", "fakegcs"], capture_output=True, text=True, timeout=1800)
        if build.returncode != 0:
            raise RuntimeError(f"scripts/toolchain.sh install fakegcs failed:\n{build.stderr[-3000:]}")
        found = lookup()
    if found is None:
        raise RuntimeError("fake-gcs-server is not on the toolchain's PATH after building it")
    return found


def env_for(em: GcpEmulator) -> dict[str, str]:
    """What the test injects into the agent's environment besides the rendered values (test only)."""
    return {
        "STORAGE_EMULATOR_HOST": em.endpoint,
        "GCE_METADATA_HOST": em.metadata_host,
        "GCE_METADATA_IP": em.metadata_host,
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": em.ca_file,
        "PROOF_GRPC_ENDPOINT": f"127.0.0.1:{em.grpc_port}",
    }

