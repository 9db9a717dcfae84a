// DAG bundles: unique names, private Git needs a connection.
import type { ConfigRule } from "./rule";

export const dagBundlesRule: ConfigRule = {
    reads: ["dagBundles"],
    check(cfg, issue) {
        const bundleNames = new Map<string, number>();
        cfg.dagBundles.forEach((b, i) => {
            const first = bundleNames.get(b.name);
            if (first !== undefined) {
                issue(
                    ["dagBundles", i, "name"],
                    `duplicates dagBundles[${first}].name '${b.name}'; bundle names must be unique`,
                );
            } else {
                bundleNames.set(b.name, i);
            }
            if (b.type === "git") {
                if (b.private && b.gitConnId === undefined) {
                    issue(
                        ["dagBundles", i, "gitConnId"],
                        "is required for a private repository: name the Airflow connection holding the Git credentials",
                    );
                }
                if (b.repoUrl === undefined && b.gitConnId === undefined) {
                    issue(
                        ["dagBundles", i, "repoUrl"],
                        "is required: the Git repository URL (https://…, ssh://… or git@host:org/repo), unless gitConnId names a connection whose host is that URL",
                    );
                }
            }
            if (b.type === "local" && b.persistentVolumeClaim !== undefined && b.path === undefined) {
                issue(
                    ["dagBundles", i, "path"],
                    "is required with persistentVolumeClaim: the claim is mounted there and the bundle reads it (the image's [core] dags_folder is not known to this program)",
                );
            }
        });
    },
};
