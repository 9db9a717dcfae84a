"""The task-log round trip every cloud's scenario runs: Airflow builds its remote log IO from the rendered
``AIRFLOW__LOGGING__REMOTE_*`` settings, uploads a task log, uploads again (read the remote log, append,
write back) and reads it back. Imported by aws_scenario.py, gcp_scenario.py and azure_scenario.py (run as
scripts from this folder, in a fresh interpreter configured only by the rendered env)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

RELATIVE = "dag_id=proof_dag/run_id=manual__proof/task_id=extract/attempt=1.log"


class _NoConnectionFromApi:
    """The Execution API (Astro's orchestration plane) is out of scope here: it knows no connection."""

    class connections:  # noqa: N801
        @staticmethod
        def get(conn_id: str) -> None:
            return None


def round_trip(handler_class: str) -> tuple[Any, dict[str, Any]]:
    """Runs the round trip with the handler Airflow picks (it must be ``handler_class``); the handler and
    what was learnt: the connection id, whether a connection was found, the handler's messages."""
    from airflow.sdk.execution_time.supervisor import _fetch_remote_logging_conn
    from airflow.sdk.log import load_remote_conn_id, load_remote_log_handler

    handler = load_remote_log_handler()
    if type(handler).__name__ != handler_class:
        raise AssertionError(f"remote logging is not {handler_class}: {handler!r}")
    conn_id = load_remote_conn_id()
    conn = _fetch_remote_logging_conn(conn_id, _NoConnectionFromApi()) if conn_id else None  # type: ignore[arg-type]
    local = Path(os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]) / RELATIVE
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text("first line\n")
    handler.upload(RELATIVE, None)  # first upload: the log does not exist yet
    local.write_text("second line\n")
    handler.upload(RELATIVE, None)  # second upload: read the remote log, write it back with the new lines
    messages, logs = handler.read(RELATIVE, None)
    text = "".join(logs or [])
    if "first line" not in text or "second line" not in text:
        raise AssertionError(f"remote log read back as {text!r} ({messages})")
    return handler, {"conn_id": conn_id, "conn_found": conn is not None, "remote": messages}
