"""`openLineage.configFile`: the OpenLineage API key from a file a volume provides, proven with the real client.

The program renders ``OPENLINEAGE_CONFIG=<configFile>`` into ``commonEnv`` (and no key Secret). The chart still
sets ``OPENLINEAGE_URL`` / ``OPENLINEAGE_ENDPOINT`` from its ``openLineage`` block. Here the dev stack, with
``openLineage.configFile`` and the volume mounts it needs, is rendered with ``npm run render``; then the
OpenLineage client (``openlineage-python``, what Airflow's OpenLineage provider builds when no
``[openlineage] config_path`` / ``transport`` is set) runs in a fresh interpreter whose environment is exactly
the rendered ``commonEnv`` plus the chart's OpenLineage variables, and emits one event.

Two local HTTP servers stand in for the endpoints: ``observe`` for the chart's ``OPENLINEAGE_URL`` (Astro
Observe) and ``keyed`` for the transport in the mounted file (the same endpoint, reached with the API key
the file holds). With the rendered env the event arrives at ``keyed`` with ``Authorization: Bearer <key>``
and nothing reaches ``observe``; without the ``OPENLINEAGE_CONFIG`` entry (the wiring removed) the event goes
to ``observe`` with no key, which Astro Observe refuses.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from ci_guard import cannot_run
from test_stacks import REPO, _render_available

EMIT = """
import datetime, uuid
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
client = OpenLineageClient()
client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                     run=Run(runId=str(uuid.uuid4())), job=Job(namespace="proof", name="configfile"),
                     producer="astro-agent-proof"))
client.close(5)
"""


class _Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                recorder.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization", ""), "body": body.decode()}
                )
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    reason = _render_available()
    if reason:
        cannot_run(reason)
    tmp = tmp_path_factory.mktemp("openlineage")
    folder = tmp / "openlineage"
    folder.mkdir()
    config_file = folder / "openlineage.yml"
    stack = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    cfg = stack["config"]
    mount = {
        "volumes": [{"name": "openlineage", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True}}],
        "volumeMounts": [{"name": "openlineage", "mountPath": str(folder), "readOnly": True}],
    }
    cfg["astro-agent:openLineage"] = {"enabled": True, "configFile": str(config_file)}
    cfg["astro-agent:workers"] = [{**w, **mount} for w in cfg["astro-agent:workers"]]
    cfg["astro-agent:dagProcessor"] = {**cfg.get("astro-agent:dagProcessor", {}), **mount}
    cfg["astro-agent:triggerer"] = {**cfg.get("astro-agent:triggerer", {}), **mount}
    stack_file = tmp / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump(stack))
    out = tmp / "values.yaml"
    render = subprocess.run(
        ["npm", "run", "-s", "render", "--", "--stack", "dev", "--stack-file", str(stack_file), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"},
    )
    assert render.returncode == 0, f"render failed:\n{render.stderr[-3000:]}"
    return yaml.safe_load(out.read_text()), config_file


def _chart_env(values: dict, with_config_entry: bool) -> dict[str, str]:
    """What the pods get: the rendered commonEnv (plain entries) and the chart's OpenLineage variables."""
    env = {
        e["name"]: e["value"]
        for e in values["commonEnv"]
        if "value" in e and (with_config_entry or e["name"] != "OPENLINEAGE_CONFIG")
    }
    ol = values["openLineage"]
    env.update(
        OPENLINEAGE_URL=ol["url"],
        OPENLINEAGE_ENDPOINT=ol["endpoint"],
        OPENLINEAGE_NAMESPACE=ol["namespace"],
    )
    return env


def _emit(env: dict[str, str], observe: _Recorder, home: Path) -> None:
    # The chart's OPENLINEAGE_URL points at Astro Observe; here at the local stand-in (never the internet).
    run_env = {**env, "OPENLINEAGE_URL": observe.url, "PATH": os.environ["PATH"], "HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", EMIT], env=run_env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_rendered_values_carry_the_file_not_a_key_secret(rendered):
    values, config_file = rendered
    assert [e for e in values["commonEnv"] if e["name"].startswith("OPENLINEAGE")] == [
        {"name": "OPENLINEAGE_CONFIG", "value": str(config_file)}
    ]
    assert values["openLineage"]["enabled"] is True
    assert "apiKeySecret" not in values["openLineage"] and "apiKey" not in values["openLineage"]


@pytest.mark.parametrize("wired", [True, False], ids=["rendered", "without-OPENLINEAGE_CONFIG"])
def test_the_client_sends_lineage_with_the_key_from_the_file(rendered, tmp_path, wired):
    values, config_file = rendered
    observe, keyed = _Recorder(), _Recorder()
    key = secrets.token_urlsafe(24)
    try:
        # What a Vault agent template or a CSI volume would place at configFile.
        config_file.write_text(
            yaml.safe_dump(
                {
                    "transport": {
                        "type": "http",
                        "url": keyed.url,
                        "endpoint": values["openLineage"]["endpoint"].lstrip("/"),
                        "auth": {"type": "api_key", "apiKey": key},
                    }
                }
            )
        )
        _emit(_chart_env(values, with_config_entry=wired), observe, tmp_path)
    finally:
        observe.shutdown()
        keyed.shutdown()
    if wired:
        assert observe.requests == []
        assert len(keyed.requests) == 1
        sent = keyed.requests[0]
        assert sent["auth"] == f"Bearer {key}"
        assert sent["path"] == values["openLineage"]["endpoint"]
        assert json.loads(sent["body"])["job"] == {"namespace": "proof", "name": "configfile", "facets": {}}
    else:
        assert keyed.requests == []
        assert [r["auth"] for r in observe.requests] == [""], "without the wiring the event goes out with no key"
