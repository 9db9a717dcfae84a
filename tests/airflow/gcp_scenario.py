#!/usr/bin/env python3
"""The agent's real Airflow code paths against a local Google Cloud, configured only by rendered chart values.

Run by test_gcp_permissions.py in a fresh interpreter per run:   python gcp_scenario.py SPEC.json RESULT.json

SPEC carries the environment the agent's pods would have (the rendered ``commonEnv`` plus the chart's
``secretBackend``/``xcomBackend``) and what only the test injects: ``STORAGE_EMULATOR_HOST`` (gcsfs's
documented emulator switch), ``GCE_METADATA_HOST``/``GCE_METADATA_IP`` (where ADC finds the GKE metadata
server), the CA of the local gRPC endpoint, and that endpoint for Secret Manager (the client library has no
emulator variable, so the client's ``api_endpoint`` is set here: the only code patched). Steps, each
recorded ``ok``/``error`` without stopping the later ones:

* ``secrets``: ``ensure_secrets_backend_loaded()`` → ``CloudSecretManagerBackend`` from the rendered kwargs,
  credentials from ADC → a seeded connection, a seeded variable, and a variable that is not there.
* ``xcom``: ``resolve_xcom_backend()`` → ``XComObjectStorageBackend.serialize_value`` (push: ``exists()`` on a
  new path, ``mkdir``, write), ``deserialize_value`` (pull), ``purge`` (clear); the test checks the object is gone.
* ``xcom-large``: the same with a value above gcsfs's block size, so the write is a resumable upload.
* ``task-logs`` (when the values enable remote logging): the supervisor's remote-log connection lookup
  (``load_remote_conn_id()``; with ``REMOTE_LOG_CONN_ID`` unset there is none to look up), then the
  ``GCSRemoteLogIO`` Airflow builds from the config uploads a log, uploads more lines (it reads the remote
  log and replaces it with old + new), and reads it back. Without a connection the handler has no hook: its
  client's credentials come from ADC (the metadata server: the pod's workload identity).
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable


def _loopback_only() -> None:
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"gcp_scenario.py allows only loopback connections, not {address!r}")
        return real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not (isinstance(host, str) and re.fullmatch(r"[\d.:]+", host)):
            raise socket.gaierror(f"gcp_scenario.py resolves no host names ({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def main(spec_path: str, result_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    home = tempfile.mkdtemp(prefix="astro-gcp-proof-")
    for name in list(os.environ):
        if name.startswith(("AIRFLOW", "GOOGLE_", "GCE_", "CLOUDSDK_", "STORAGE_EMULATOR", "GRPC_")):
            del os.environ[name]
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": os.path.join(home, "logs"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "CLOUDSDK_CONFIG": os.path.join(home, "no-gcloud"),  # no user credentials: ADC must reach the metadata server
            **spec["env"],
        }
    )
    if "GOOGLE_APPLICATION_CREDENTIALS" in os.environ:
        raise SystemExit("the rendered env must not carry GOOGLE_APPLICATION_CREDENTIALS")
    _loopback_only()
    endpoint = os.environ.pop("PROOF_GRPC_ENDPOINT")
    import airflow.providers.google.cloud._internal_client.secret_manager_client as smc

    real_client = smc.SecretManagerServiceClient

    def client(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("client_options", {"api_endpoint": endpoint})
        return real_client(*args, **kwargs)

    smc.SecretManagerServiceClient = client  # type: ignore[misc]
    layout_lookups: list[str] = []

    class Lookups(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "get_storage_layout" in record.getMessage():
                layout_lookups.append(record.getMessage())

    gcsfs_log = logging.getLogger("gcsfs")
    gcsfs_log.addHandler(Lookups())
    gcsfs_log.setLevel(logging.DEBUG)
    gcsfs_log.propagate = False

    steps: list[dict[str, Any]] = []

    def step(name: str, fn: Callable[[], dict[str, Any] | None]) -> None:
        try:
            details = fn() or {}
            steps.append({"name": name, "ok": True, "error": None, **details})
        except Exception as e:  # every failure is a result, reported with its traceback tail
            steps.append(
                {"name": name, "ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
            )

    step("secrets", lambda: _secrets(spec))
    step("xcom", lambda: _xcom({"rows": [{"id": i, "name": f"row-{i}"} for i in range(50)]}, "extract"))
    big = base64.b64encode(os.urandom(int(spec["large_bytes"]))).decode()
    step("xcom-large", lambda: _xcom({"blob": big}, "export"))
    if os.environ.get("AIRFLOW__LOGGING__REMOTE_LOGGING") == "True":
        step("task-logs", _task_logs)
    Path(result_path).write_text(json.dumps({"steps": steps, "storage_layout_lookups": len(layout_lookups)}, indent=2))
    return 0 if all(s["ok"] for s in steps) else 1


def _secrets(spec: dict[str, Any]) -> dict[str, Any]:
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    backends = ensure_secrets_backend_loaded()
    wanted = os.environ["AIRFLOW__SECRETS__BACKEND"]
    backend = next(b for b in backends if f"{type(b).__module__}.{type(b).__qualname__}" == wanted)
    conn = backend.get_connection(spec["connection"]["id"])
    if conn is None:
        raise AssertionError(f"connection {spec['connection']['id']!r} not found (denied or missing)")
    expect = spec["connection"]["expect"]
    got = {"conn_type": conn.conn_type, "login": conn.login, "password": conn.password, "host": conn.host}
    if any(got[k] != expect[k] for k in expect):
        raise AssertionError(f"connection read back as {got}, expected {expect}")
    variable = backend.get_variable(spec["variable"]["key"])
    if variable != spec["variable"]["expect"]:
        raise AssertionError(f"variable read back as {variable!r}")
    if backend.get_variable(spec["missing_variable"]) is not None:
        raise AssertionError("a variable that does not exist was found")
    return {"backend": wanted}


def _xcom(value: Any, task_id: str) -> dict[str, Any]:
    from airflow.sdk.execution_time.comms import XComResult
    from airflow.sdk.execution_time.xcom import resolve_xcom_backend

    xcom = resolve_xcom_backend()
    if f"{xcom.__module__}.{xcom.__qualname__}" != os.environ["AIRFLOW__CORE__XCOM_BACKEND"]:
        raise AssertionError(f"configured XCom backend not in use: {xcom}")
    coords = {"key": "return_value", "task_id": task_id, "dag_id": "proof_dag", "run_id": "manual__proof", "map_index": -1}
    stored = xcom.serialize_value(value, **coords)  # push
    ref = json.loads(stored) if isinstance(stored, str) and stored.startswith('"') else stored
    if not (isinstance(ref, str) and ref.startswith("gs://")):
        raise AssertionError(f"the value was not written to object storage: {str(stored)[:200]}")
    pulled = xcom.deserialize_value(XComResult(key="return_value", value=stored))  # pull
    if pulled != value:
        raise AssertionError(f"the pulled value differs from the pushed one: {str(pulled)[:300]!r}")
    xcom.purge(XComResult(key="return_value", value=ref))  # clear
    return {"path": ref}


def _task_logs() -> dict[str, Any]:
    from remote_logs import round_trip

    handler, learnt = round_trip("GCSRemoteLogIO")
    credentials = type(handler.client._credentials)
    return {
        **learnt,
        "hook": None if handler.hook is None else type(handler.hook).__name__,
        "credentials": f"{credentials.__module__}.{credentials.__name__}",
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
