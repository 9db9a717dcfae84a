"""Reports this suite's counts for .ci/run: TEST_RESULTS_DIR/airflow.json and a plain closing line."""
import json
import os


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 (pytest hook signature)
    stats = terminalreporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    skipped = len(stats.get("skipped", []))
    out = os.environ.get("TEST_RESULTS_DIR")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "airflow.json"), "w", encoding="utf-8") as fh:
            json.dump({"suite": "airflow", "passed": passed, "failed": failed, "skipped": skipped}, fh)
    line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    terminalreporter.write_line(line)
