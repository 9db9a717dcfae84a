// Task logs in the store the user names (`vault` and `external` backends): the remote-logging env in
// the XCom store (default `<s3|gs>://<XCom bucket>/logs`, the connection of `xcomPath`), nothing granted,
// and a folder outside the store refused unless `otherStore` says so.
import * as assert from "node:assert/strict";
import { RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { runUnderMocks, unwrapSecrets } from "../../scripts/lib/mockRun";
import { baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

const backends: Record<"vault" | "external", Values> = {
    vault: { kind: "vault", address: "https://vault.example.com:8200" },
    external: { kind: "external", secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend" },
};

function values(kind: "vault" | "external", backend: Values): Values {
    return { ...baseValues(), backend: { ...backends[kind], ...backend } };
}

/** The remote-logging env the chart gets (name → value), by running the component under mocks. */
async function loggingEnv(v: Values): Promise<Record<string, string | undefined>> {
    const { resources } = await runUnderMocks({
        project: "astro-agent",
        stack: "test",
        config: {},
        program: () => new RemoteExecutionAgent("agent", v as ConstructorParameters<typeof RemoteExecutionAgent>[1]),
    });
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.ok(release);
    const env = (unwrapSecrets(release.inputs.values) as { commonEnv: { name: string; value?: string }[] }).commonEnv;
    return Object.fromEntries(env.filter((e) => e.name.startsWith("AIRFLOW__LOGGING__")).map((e) => [e.name, e.value]));
}

function problems(v: Values): { key: string; message: string }[] {
    const r = validateStackConfig(raw(v));
    return r.ok ? [] : r.problems;
}

describe("task logs in the store you named (vault, external)", () => {
    for (const kind of ["vault", "external"] as const) {
        describe(kind, () => {
            it("renders REMOTE_LOGGING, the folder next to XCom and the XCom connection", async () => {
                assert.deepEqual(
                    await loggingEnv(
                        values(kind, { xcomPath: "s3://aws_xcom@xcom-bucket/xcom", taskLogs: { enabled: true } }),
                    ),
                    {
                        AIRFLOW__LOGGING__REMOTE_LOGGING: "True",
                        AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: "s3://xcom-bucket/logs",
                        AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: "aws_xcom",
                    },
                );
                assert.deepEqual(
                    await loggingEnv(
                        values(kind, {
                            xcomPath: "gcs://xcom-bucket/a/xcom",
                            taskLogs: { enabled: true, folder: "gs://xcom-bucket/a/logs", connId: "gcs_logs" },
                        }),
                    ),
                    {
                        AIRFLOW__LOGGING__REMOTE_LOGGING: "True",
                        AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: "gs://xcom-bucket/a/logs",
                        AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: "gcs_logs",
                    },
                );
            });

            it("renders nothing when disabled (the default)", async () => {
                assert.deepEqual(await loggingEnv(values(kind, { xcomPath: "s3://xcom-bucket/xcom" })), {});
            });

            it("refuses a folder outside the XCom store unless otherStore is set, with the fix", () => {
                for (const folder of ["s3://other-bucket/logs", "gs://xcom-bucket/logs"]) {
                    const v = values(kind, { xcomPath: "s3://xcom-bucket/xcom", taskLogs: { enabled: true, folder } });
                    assert.deepEqual(problems(v), [
                        {
                            key: "backend.taskLogs.folder",
                            message:
                                "is not in the XCom store 's3://xcom-bucket' (backend.xcomPath), which the pods' access is set up for; use a folder there, e.g. 's3://xcom-bucket/logs', or set backend.taskLogs.otherStore: true if the pods may write to this store too",
                        },
                    ]);
                    const stated = values(kind, {
                        xcomPath: "s3://xcom-bucket/xcom",
                        taskLogs: { enabled: true, folder, otherStore: true },
                    });
                    assert.deepEqual(problems(stated), []);
                }
            });

            it("refuses a folder overlapping the XCom path (the default folder included)", () => {
                assert.deepEqual(
                    problems(
                        values(kind, {
                            xcomPath: "s3://xcom-bucket/xcom",
                            taskLogs: { enabled: true, folder: "s3://xcom-bucket/xcom/logs" },
                        }),
                    ),
                    [
                        {
                            key: "backend.taskLogs.folder",
                            message:
                                "overlaps the XCom path 'xcom' of backend.xcomPath: task logs and XComs would share keys (and XCom cleanup); set a sibling folder, e.g. 's3://xcom-bucket/logs'",
                        },
                    ],
                );
                assert.deepEqual(
                    problems(values(kind, { xcomPath: "s3://xcom-bucket/logs", taskLogs: { enabled: true } })),
                    [
                        {
                            key: "backend.taskLogs.folder",
                            message:
                                "(default 's3://xcom-bucket/logs') overlaps the XCom path 'logs' of backend.xcomPath: task logs and XComs would share keys (and XCom cleanup); set a sibling folder, e.g. 's3://xcom-bucket/task-logs'",
                        },
                    ],
                );
            });

            it("a store without a task-log handler of its own needs a folder", () => {
                assert.deepEqual(
                    problems(
                        values(kind, {
                            xcomPath: "abfs://xcom@account.dfs.core.windows.net/xcom",
                            taskLogs: { enabled: true },
                        }),
                    ),
                    [
                        {
                            key: "backend.taskLogs.folder",
                            message:
                                "is required: the XCom store 'abfs://…' (backend.xcomPath) has no Airflow task-log handler; name a folder, e.g. 'wasb://logs' for Blob Storage (container in AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER under commonEnv), and set backend.taskLogs.otherStore: true",
                        },
                    ],
                );
            });

            it("the remote-logging env is the backend's: a user entry for it is refused", () => {
                const v = values(kind, { xcomPath: "s3://xcom-bucket/xcom", taskLogs: { enabled: true } });
                v.commonEnv = [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://elsewhere/logs" }];
                const found = problems(v);
                assert.deepEqual(
                    found.map((p) => p.key),
                    ["commonEnv[0].name"],
                );
                assert.match(found[0]?.message ?? "", /backend\.taskLogs/);
            });
        });
    }

    it("refuses a folder Airflow has no handler for, with an example", () => {
        const found = problems(
            values("external", { xcomPath: "s3://b/xcom", taskLogs: { enabled: true, folder: "ftp://b/logs" } }),
        );
        assert.deepEqual(
            found.map((p) => p.key),
            ["backend.taskLogs.folder"],
        );
        assert.match(
            found[0]?.message ?? "",
            /must be a remote log folder s3:\/\/<bucket>\/<path>, gs:\/\/<bucket>\/<path> or wasb:\/\/<path>, for example 's3:\/\/my-bucket\/logs'/,
        );
    });
});
