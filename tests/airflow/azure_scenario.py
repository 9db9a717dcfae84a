#!/usr/bin/env python3
"""The agent's real Airflow XCom path on Azure, configured by rendered chart values.

Run by test_azure_xcom.py in a fresh interpreter per run:   python azure_scenario.py SPEC.json RESULT.json

SPEC carries the environment the agent's pods would have (the rendered ``commonEnv`` plus the chart's
``xcomBackend`` as ``AIRFLOW__CORE__XCOM_BACKEND``) and a ``mode``:

* ``identity``: only the rendered env plus what the AKS workload-identity webhook injects into a labelled
  pod (``AZURE_FEDERATED_TOKEN_FILE``, ``AZURE_AUTHORITY_HOST``). Airflow builds the filesystem of the
  rendered ``abfs://`` path from the rendered connection; the step reports whether it carries any key and
  which identity its credential chain would use. Nothing is requested: no token exists here.
* ``xcom``: the emulator's credentials are added **by the test** to the rendered connection's extra
  (``account_key`` of the Azurite account and ``account_host`` of the recording proxy, see SPEC
  ``inject``); everything else (connection id, account name, container, prefix, backend class) is as
  rendered. Then push / pull / purge through ``XComObjectStorageBackend``, once small and once above
  adlfs's block size (a multi-block upload).
"""
from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aws_scenario import _loopback_only, _xcom  # noqa: E402  (the same XCom steps as the AWS proof)


def main(spec_path: str, result_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    home = tempfile.mkdtemp(prefix="astro-azure-proof-")
    for name in list(os.environ):
        if name.startswith(("AIRFLOW", "AZURE_", "MSI_", "IDENTITY_")):
            del os.environ[name]
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": os.path.join(home, "logs"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            **spec["env"],
        }
    )
    _loopback_only()
    steps: list[dict[str, Any]] = []

    def step(name: str, fn: Callable[[], dict[str, Any] | None]) -> None:
        try:
            steps.append({"name": name, "ok": True, "error": None, **(fn() or {})})
        except Exception as e:  # every failure is a result
            steps.append(
                {"name": name, "ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
            )

    if spec["mode"] == "identity":
        step("identity", lambda: _identity(spec))
    elif spec["mode"] == "task-logs":
        step("task-logs", lambda: _task_logs(spec))
    else:
        import fsspec.config

        # A small block size makes the large value a multi-block upload (Put Block x N + Put Block List).
        fsspec.config.conf.setdefault("abfs", {})["blocksize"] = int(spec["block_size"])
        step("xcom", lambda: _xcom(spec, {"rows": [{"id": i, "name": f"row-{i}"} for i in range(50)]}, "extract"))
        big = base64.b64encode(os.urandom(int(spec["large_bytes"]))).decode()
        step("xcom-multiblock", lambda: _xcom(spec, {"blob": big}, "export"))
    Path(result_path).write_text(json.dumps({"steps": steps}, indent=2))
    return 0 if all(s["ok"] for s in steps) else 1


def _identity(spec: dict[str, Any]) -> dict[str, Any]:
    from airflow.providers.common.io.xcom.backend import _get_base_path

    path = _get_base_path()  # the rendered abfs://<conn id>@<container>/<prefix>, through Airflow's own parser
    fs = path.fs
    out: dict[str, Any] = {
        "filesystem": type(fs).__name__,
        "conn_id": path.conn_id,
        "container": path.bucket,
        "account_name": fs.account_name,
        "anon": fs.anon,
        "secrets": sorted(n for n in ("account_key", "sas_token", "connection_string", "client_secret") if getattr(fs, n, None)),
        "chain": [type(c).__name__ for c in getattr(fs.sync_credential, "credentials", ())],
    }
    for c in getattr(fs.sync_credential, "credentials", ()):
        if type(c).__name__ == "WorkloadIdentityCredential":
            out["workload_identity"] = {
                "client_id": c._client._client_id,
                "tenant_id": c._client._tenant_id,
                "token_file": c._token_file_path,
            }
    return out


def _task_logs(spec: dict[str, Any]) -> dict[str, Any]:
    """The round trip through the remote connection (remote_logs.py), and where the blob went."""
    from remote_logs import RELATIVE, round_trip

    handler, learnt = round_trip("WasbRemoteLogIO")
    return {**learnt, "container": handler.wasb_container, "blob": f"{handler.remote_base}/{RELATIVE}"}


if __name__ == "__main__":
    import faulthandler

    faulthandler.dump_traceback_later(150, exit=True)  # a bounded run, whatever adlfs does
    code = main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
    sys.stderr.flush()
    # adlfs's AzureBlobFile.__del__ retries a failed upload on a loop that is gone at interpreter exit and
    # hangs (seen after a denied Put Block): the result is written, so leave without finalizers.
    os._exit(code)
