"""A local AWS for the permission proof: moto's server on 127.0.0.1 behind a WSGI layer that records every
S3 and Secrets Manager API call as the IAM request(s) AWS would authorize, and can enforce a policy.

Every HTTP request that reaches the server goes through :class:`RecordingApp`, whatever client made it
(botocore, aiobotocore inside s3fs, boto3's transfer manager). Each is mapped to its API operation from the
wire (SigV4 credential scope → service; S3 REST method, path and sub-resource; ``X-Amz-Target`` for JSON
APIs) and then to the IAM request(s) it needs, following the Service Authorization Reference:

==========================  =============================================================================
operation                   IAM request(s)
==========================  =============================================================================
HeadBucket                  ``s3:ListBucket`` on the bucket, no ``s3:prefix`` key
GetBucketLocation           ``s3:GetBucketLocation`` on the bucket
ListObjects(V2)             ``s3:ListBucket`` on the bucket with ``s3:prefix``/``s3:delimiter``/``s3:max-keys``
                            when the request carries them
HeadObject / GetObject      ``s3:GetObject`` on the object; a missing object is answered 404 only when the
                            caller may ``s3:ListBucket`` the bucket, else 403 — recorded as an extra
                            ``s3:ListBucket`` request with no ``s3:prefix`` (AWS documents the 404/403 rule
                            but no prefix for that check, so the conservative case is modelled)
PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload
                            ``s3:PutObject`` on the object
AbortMultipartUpload        ``s3:AbortMultipartUpload``;  ListParts ``s3:ListMultipartUploadParts``
DeleteObject                ``s3:DeleteObject``;  DeleteObjects: ``s3:DeleteObject`` per key (denied keys
                            come back as per-key ``AccessDenied`` errors in a 200 answer, as in AWS)
CreateBucket                ``s3:CreateBucket``
GetSecretValue              ``secretsmanager:GetSecretValue`` on the secret's ARN (``…:secret:<name>`` when
                            there is no such secret); DescribeSecret / ListSecrets likewise
==========================  =============================================================================

Customer-managed KMS keys: AWS services call KMS *with the caller's permissions*, so the caller's policy
must allow them. Recorded as extra requests on the key ARN with ``kms:ViaService`` and ``kms:CallerAccount``:
PutObject and CreateMultipartUpload into an SSE-KMS object → ``kms:GenerateDataKey``; UploadPart and
GetObject of one → ``kms:Decrypt`` (S3 API reference, "Permissions" of those operations); GetSecretValue
of a secret encrypted with a customer key → ``kms:Decrypt``. Which key applies is decided like S3 does: the
request's SSE headers, else the bucket's default encryption at write time; reads use the key the object
was written with. AWS-managed keys (``aws/s3``, ``aws/secretsmanager``) need no IAM grant and add nothing.

Anything the map does not know is recorded as ``UNMAPPED`` and answered ``501``, so a new kind of call can
never slip through unjudged. Requests carrying the ``X-Proof-Admin`` header (setup and inspection by the
test itself, through :meth:`AwsEmulator.admin`) are passed through unrecorded.
"""
from __future__ import annotations

import io
import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs, unquote

from iam_eval import Decision, Request, evaluate

ADMIN_HEADER = "X-Proof-Admin"
#: query parameters of ListObjects / ListObjectsV2 (anything else on a bucket GET is another operation)
_LIST_PARAMS = {
    "list-type",
    "prefix",
    "delimiter",
    "max-keys",
    "marker",
    "encoding-type",
    "continuation-token",
    "start-after",
    "fetch-owner",
}
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass
class Call:
    """One IAM request made on behalf of one API call."""

    seq: int
    service: str
    operation: str
    #: ``METHOD /path?query`` as received
    http: str
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    #: why an extra request was derived (KMS on behalf of S3, the 404/403 ListBucket check)
    note: str = ""
    #: decision under the enforced policy (None when the emulator only records)
    allowed: bool | None = None
    decided_by: tuple[tuple[str, str], ...] = ()
    status: int | None = None

    def request(self) -> Request:
        return Request(self.action, self.resource, self.context)

    def describe(self) -> str:
        ctx = "".join(f" {k}={v!r}" for k, v in sorted(self.context.items()))
        note = f"  ({self.note})" if self.note else ""
        return f"{self.operation:<24} {self.action:<30} {self.resource}{ctx}{note}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["decided_by"] = [list(x) for x in self.decided_by]
        return d


class Unmapped(Exception):
    pass


@dataclass
class _Planned:
    operation: str
    requests: list[tuple[str, str, dict[str, Any], str]]  # (action, resource, context, note)
    #: DeleteObjects: per-key requests, answered per key
    per_key: list[str] = field(default_factory=list)


def _service_from_auth(environ: Mapping[str, Any]) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return None
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


class RecordingApp:
    """WSGI middleware in front of moto's dispatcher: classify, (enforce), forward, record."""

    def __init__(self, app: Callable, emulator: "AwsEmulator") -> None:
        self.app = app
        self.em = emulator

    # ----- WSGI plumbing -------------------------------------------------------------------------------------

    def _forward(self, environ: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            out = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return captured["status"], captured["headers"], out

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        from werkzeug.wrappers import Request as WzRequest

        return WzRequest(environ).get_data(cache=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        body = self._read_body(environ)
        if environ.get("HTTP_" + ADMIN_HEADER.upper().replace("-", "_")):
            status, headers, out = self._forward(environ, body)
            start_response(status, headers)
            return [out]
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        http = f"{method} {path}" + (f"?{query}" if query else "")
        service = _service_from_auth(environ)
        try:
            if service == "s3":
                planned = self._plan_s3(environ, method, path, query, body)
            elif service == "secretsmanager":
                planned = self._plan_secretsmanager(environ, body)
            else:
                raise Unmapped(f"service {service!r}")
        except Unmapped as e:
            self.em.record(Call(0, service or "?", "UNMAPPED", http, "UNMAPPED", str(e), status=501))
            start_response("501 Not Implemented", [("Content-Type", "text/plain")])
            return [f"not mapped by the permission proof: {e}".encode()]

        calls = [
            Call(0, service, planned.operation, http, action, resource, ctx, note)
            for action, resource, ctx, note in planned.requests
        ]
        self._decide(calls)
        if planned.per_key:
            return self._delete_objects(environ, body, calls, planned, start_response)
        if any(c.allowed is False for c in calls):
            return self._deny(service, method, calls, start_response)

        status, headers, out = self._forward(environ, body)
        code = int(status.split()[0])
        extra = self._after(service, planned, environ, path, code, headers, out)
        self._decide(extra)
        for c in calls + extra:
            c.status = code
        if any(c.allowed is False for c in extra):
            # the implicit ListBucket check of a missing object failed: AWS answers 403, not 404
            for c in calls + extra:
                c.status = 403
            self.em.record(*calls, *extra)
            return self._deny(service, method, extra, start_response)
        self.em.record(*calls, *extra)
        start_response(status, headers)
        return [out]

    def _decide(self, calls: list[Call]) -> None:
        policies = self.em.policies
        if policies is None:
            return
        for c in calls:
            d: Decision = evaluate(policies, c.request())
            c.allowed, c.decided_by = d.allowed, d.statements

    def _deny(self, service: str, method: str, calls: list[Call], start_response: Callable) -> Iterable[bytes]:
        denied = next(c for c in calls if c.allowed is False)
        msg = (
            f"User: arn:aws:sts::{self.em.account}:assumed-role/agent/proof is not authorized to perform: "
            f"{denied.action} on resource: {denied.resource} because no identity-based policy allows the "
            f"{denied.action} action"
        )
        for c in calls:
            c.status = 403 if service == "s3" else 400
        if calls and calls[0].seq == 0:
            self.em.record(*calls)
        if service == "s3":
            body = b"" if method == "HEAD" else (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                f"<Message>{msg}</Message><RequestId>proof</RequestId></Error>"
            ).encode()
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        body = json.dumps({"__type": "AccessDeniedException", "Message": msg}).encode()
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", "AccessDeniedException"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    # ----- S3 ------------------------------------------------------------------------------------------------

    def _plan_s3(self, environ: Mapping[str, Any], method: str, path: str, query: str, body: bytes) -> _Planned:
        em = self.em
        parts = path.lstrip("/").split("/", 1)
        bucket = parts[0]
        key = unquote(parts[1]) if len(parts) > 1 and parts[1] else ""
        if not bucket:
            raise Unmapped(f"S3 {method} without a bucket")
        q = parse_qs(query, keep_blank_values=True)
        sub = set(q) - {"x-id"}
        bucket_arn = f"arn:{em.partition}:s3:::{bucket}"
        obj_arn = f"{bucket_arn}/{key}"
        none: dict[str, Any] = {}
        if not key:
            if method == "HEAD" and not sub:
                return _Planned("HeadBucket", [("s3:ListBucket", bucket_arn, none, "")])
            if method == "GET" and sub == {"location"}:
                return _Planned("GetBucketLocation", [("s3:GetBucketLocation", bucket_arn, none, "")])
            if method == "GET" and sub <= _LIST_PARAMS:
                ctx: dict[str, Any] = {}
                for qk, ck in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")):
                    if qk in q:
                        ctx[ck] = q[qk][0]
                op = "ListObjectsV2" if q.get("list-type") == ["2"] else "ListObjects"
                return _Planned(op, [("s3:ListBucket", bucket_arn, ctx, "")])
            if method == "PUT" and not sub:
                return _Planned("CreateBucket", [("s3:CreateBucket", bucket_arn, none, "")])
            if method == "POST" and sub == {"delete"}:
                keys = [k.text or "" for k in ET.fromstring(body).iter(f"{S3_NS}Key")] or [
                    k.text or "" for k in ET.fromstring(body).iter("Key")
                ]
                return _Planned(
                    "DeleteObjects",
                    [("s3:DeleteObject", f"{bucket_arn}/{k}", none, f"key {k}") for k in keys],
                    per_key=keys,
                )
            raise Unmapped(f"S3 bucket {method} ?{query}")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if method == "HEAD" and not sub - {"partNumber", "versionId"}:
            return _Planned("HeadObject", [("s3:GetObject", obj_arn, none, "")])
        if method == "GET" and not {s for s in sub if not s.startswith("response-")} - {"partNumber", "versionId"}:
            reqs = [("s3:GetObject", obj_arn, none, "")]
            kms = em.object_kms_key(bucket, key)
            if kms:
                reqs.append(("kms:Decrypt", kms, em.kms_context("s3"), "S3 decrypts the SSE-KMS object"))
            return _Planned("GetObject", reqs)
        if method == "GET" and sub == {"uploadId"}:
            return _Planned("ListParts", [("s3:ListMultipartUploadParts", obj_arn, none, "")])
        if method == "PUT" and "x-amz-copy-source" in headers:
            raise Unmapped("CopyObject / UploadPartCopy")
        if method == "PUT" and sub == {"partNumber", "uploadId"}:
            reqs = [("s3:PutObject", obj_arn, none, "")]
            kms = em.upload_kms_key(q["uploadId"][0])
            if kms:
                reqs.append(("kms:Decrypt", kms, em.kms_context("s3"), "S3 decrypts the upload's data key for each part"))
            return _Planned("UploadPart", reqs)
        if method in ("PUT", "POST") and (not sub if method == "PUT" else sub == {"uploads"}):
            op = "PutObject" if method == "PUT" else "CreateMultipartUpload"
            ctx = {}
            if "x-amz-server-side-encryption" in headers:
                ctx["s3:x-amz-server-side-encryption"] = headers["x-amz-server-side-encryption"]
            reqs = [("s3:PutObject", obj_arn, ctx, "")]
            kms = em.write_kms_key(bucket, headers)
            if kms:
                reqs.append(("kms:GenerateDataKey", kms, em.kms_context("s3"), "S3 generates the SSE-KMS data key"))
            return _Planned(op, reqs)
        if method == "POST" and sub == {"uploadId"}:
            return _Planned("CompleteMultipartUpload", [("s3:PutObject", obj_arn, none, "")])
        if method == "DELETE" and sub == {"uploadId"}:
            return _Planned("AbortMultipartUpload", [("s3:AbortMultipartUpload", obj_arn, none, "")])
        if method == "DELETE" and not sub - {"versionId"}:
            return _Planned("DeleteObject", [("s3:DeleteObject", obj_arn, none, "")])
        raise Unmapped(f"S3 object {method} ?{query}")

    def _after(
        self,
        service: str,
        planned: _Planned,
        environ: Mapping[str, Any],
        path: str,
        code: int,
        headers: list[tuple[str, str]],
        out: bytes,
    ) -> list[Call]:
        """Bookkeeping after moto answered; returns derived calls (the 404/403 ListBucket check)."""
        if service != "s3":
            return []
        bucket, _, key = path.lstrip("/").partition("/")
        key = unquote(key)
        http = f"{environ['REQUEST_METHOD']} {path}"
        hdrs = {k.lower(): v for k, v in headers}
        if planned.operation in ("HeadObject", "GetObject") and code == 404:
            return [
                Call(
                    0,
                    "s3",
                    planned.operation,
                    http,
                    "s3:ListBucket",
                    f"arn:{self.em.partition}:s3:::{bucket}",
                    {},
                    "missing object: S3 answers 404 only if the caller may list the bucket, else 403",
                )
            ]
        if code < 300 and planned.operation == "CreateMultipartUpload":
            upload_id = ET.fromstring(out).findtext(f"{S3_NS}UploadId") or ET.fromstring(out).findtext("UploadId")
            kms = next((r[1] for r in planned.requests if r[0] == "kms:GenerateDataKey"), None)
            self.em.remember_upload(upload_id or "", bucket, key, kms)
        if code < 300 and planned.operation == "PutObject":
            kms = next((r[1] for r in planned.requests if r[0] == "kms:GenerateDataKey"), None)
            self.em.remember_object(bucket, key, kms)
        if code < 300 and planned.operation == "CompleteMultipartUpload":
            q = parse_qs(environ.get("QUERY_STRING", ""))
            self.em.remember_object(bucket, key, self.em.upload_kms_key(q["uploadId"][0]))
        return []

    def _delete_objects(
        self,
        environ: dict[str, Any],
        body: bytes,
        calls: list[Call],
        planned: _Planned,
        start_response: Callable,
    ) -> Iterable[bytes]:
        denied = [k for k, c in zip(planned.per_key, calls) if c.allowed is False]
        if not denied:
            status, headers, out = self._forward(environ, body)
            for c in calls:
                c.status = int(status.split()[0])
            self.em.record(*calls)
            start_response(status, headers)
            return [out]
        if len(denied) != len(planned.per_key):
            raise AssertionError("mixed allowed/denied keys in one DeleteObjects: not modelled by the proof")
        for c in calls:
            c.status = 200
        self.em.record(*calls)
        errors = "".join(
            f"<Error><Key>{k}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>" for k in denied
        )
        out = f'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{errors}</DeleteResult>'.encode()
        start_response("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(out)))])
        return [out]

    # ----- Secrets Manager -----------------------------------------------------------------------------------

    def _plan_secretsmanager(self, environ: Mapping[str, Any], body: bytes) -> _Planned:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        op = target.split(".", 1)[1] if target.startswith("secretsmanager.") else ""
        payload = json.loads(body or b"{}")
        if op == "ListSecrets":
            return _Planned(op, [("secretsmanager:ListSecrets", "*", {}, "")])
        if op in ("GetSecretValue", "DescribeSecret"):
            arn, kms = self.em.secret_facts(payload.get("SecretId", ""))
            reqs = [(f"secretsmanager:{op}", arn, {}, "")]
            if op == "GetSecretValue" and kms:
                reqs.append(("kms:Decrypt", kms, self.em.kms_context("secretsmanager"), "Secrets Manager decrypts the secret"))
            return _Planned(op, reqs)
        raise Unmapped(f"secretsmanager {target!r}")


class AwsEmulator:
    """moto on ``127.0.0.1:<free port>`` behind :class:`RecordingApp`. Use as a context manager."""

    def __init__(self, region: str, account: str = "123456789012", partition: str = "aws") -> None:
        self.region, self.account, self.partition = region, account, partition
        #: documents to enforce (name → policy); None records without enforcing
        self.policies: dict[str, Any] | None = None
        self.calls: list[Call] = []
        self._seq = 0
        self._lock = threading.Lock()
        self._objects: dict[tuple[str, str], str | None] = {}
        self._uploads: dict[str, str | None] = {}
        self._bucket_kms: dict[str, str | None] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.endpoint = ""

    # ----- lifecycle -----------------------------------------------------------------------------------------

    def __enter__(self) -> "AwsEmulator":
        from moto.moto_api._internal.models import moto_api_backend
        from moto.moto_server.threaded_moto_server import MotoRequestHandler
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        # moto's backends live in this process: an earlier emulator's buckets and keys would still be there
        moto_api_backend.reset()

        app = RecordingApp(DomainDispatcherApplication(create_backend_app), self)
        # port 0: the kernel picks a free port and we keep the bound socket (no probe-then-bind race)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
        host, port = self._server.server_address[:2]
        self.endpoint = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-proof", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                raise RuntimeError("moto server thread did not stop")

    # ----- recording -----------------------------------------------------------------------------------------

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

    # ----- admin access (unrecorded) -------------------------------------------------------------------------

    def admin(self, service: str) -> Any:
        import boto3

        client = boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            aws_access_key_id="proof-admin",
            aws_secret_access_key="proof-admin",
        )

        def mark(request: Any, **_: Any) -> None:
            request.headers[ADMIN_HEADER] = "1"

        client.meta.events.register_first("before-sign.*.*", mark)
        return client

    # ----- facts AWS would know ------------------------------------------------------------------------------

    def kms_context(self, via: str) -> dict[str, Any]:
        return {"kms:ViaService": f"{via}.{self.region}.amazonaws.com", "kms:CallerAccount": self.account}

    @staticmethod
    def _customer_key(key_id: str | None) -> str | None:
        # aws/s3 and aws/secretsmanager (AWS-managed) keys need no IAM grant; customer keys are ARNs here
        return key_id if key_id and key_id.startswith("arn:") and ":key/" in key_id else None

    def write_kms_key(self, bucket: str, headers: Mapping[str, str]) -> str | None:
        sse = headers.get("x-amz-server-side-encryption")
        if sse == "AES256":
            return None
        if sse == "aws:kms":
            return self._customer_key(headers.get("x-amz-server-side-encryption-aws-kms-key-id"))
        if bucket not in self._bucket_kms:
            from botocore.exceptions import ClientError

            try:
                rules = self.admin("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
                default = rules[0]["ApplyServerSideEncryptionByDefault"]
                self._bucket_kms[bucket] = (
                    self._customer_key(default.get("KMSMasterKeyID")) if default["SSEAlgorithm"] == "aws:kms" else None
                )
            except ClientError:
                self._bucket_kms[bucket] = None
        return self._bucket_kms[bucket]

    def remember_upload(self, upload_id: str, bucket: str, key: str, kms: str | None) -> None:
        self._uploads[upload_id] = kms

    def upload_kms_key(self, upload_id: str) -> str | None:
        return self._uploads.get(upload_id)

    def remember_object(self, bucket: str, key: str, kms: str | None) -> None:
        self._objects[(bucket, key)] = kms

    def object_kms_key(self, bucket: str, key: str) -> str | None:
        if (bucket, key) in self._objects:
            return self._objects[(bucket, key)]
        from botocore.exceptions import ClientError

        try:
            head = self.admin("s3").head_object(Bucket=bucket, Key=key)
        except ClientError:
            return None
        return self._customer_key(head.get("SSEKMSKeyId")) if head.get("ServerSideEncryption") == "aws:kms" else None

    def secret_facts(self, secret_id: str) -> tuple[str, str | None]:
        """(ARN, customer key ARN or None); a missing secret is authorized against ``…:secret:<name>``."""
        from botocore.exceptions import ClientError

        try:
            d = self.admin("secretsmanager").describe_secret(SecretId=secret_id)
        except ClientError:
            if secret_id.startswith("arn:"):
                return secret_id, None
            return f"arn:{self.partition}:secretsmanager:{self.region}:{self.account}:secret:{secret_id}", None
        return d["ARN"], self._customer_key(d.get("KmsKeyId"))
