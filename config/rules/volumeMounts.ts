// Every volumeMount names a volume of its own pod: the component's volumes or one the program adds.
import { backendFor } from "../../backends/registry";
import { programVolumeNames } from "../volumes";
import type { MountingComponent } from "../volumes";
import { formatWhere } from "./parts";
import type { ConfigRule } from "./rule";

export const volumeMountsRule: ConfigRule = {
    reads: [
        "restricted",
        "caBundle",
        "workers",
        "triggerer",
        "dagProcessor",
        "loggingSidecar",
        "dagBundles",
        "backend",
    ],
    check(cfg, issue) {
        const backendVolumes = backendFor(cfg.backend.kind).volumeNames ?? [];
        type Mounting = { volumes: { name: string }[]; volumeMounts: { name: string }[] };
        const components: [(string | number)[], MountingComponent, Mounting][] = [
            ...cfg.workers.map((w, i): [(string | number)[], MountingComponent, Mounting] => [
                ["workers", i],
                "worker",
                w,
            ]),
            [["triggerer"], "triggerer", cfg.triggerer],
            [["dagProcessor"], "dagProcessor", cfg.dagProcessor],
        ];
        for (const [where, kind, c] of components) {
            const available = [...programVolumeNames(cfg, kind, backendVolumes), ...c.volumes.map((v) => v.name)];
            c.volumeMounts.forEach((m, j) => {
                if (!available.includes(m.name)) {
                    issue(
                        [...where, "volumeMounts", j, "name"],
                        available.length === 0
                            ? `'${m.name}' is not a volume of this pod, which has none; add it to ${formatWhere(where)}.volumes, for example {name: ${m.name}, emptyDir: {}}`
                            : `'${m.name}' is not a volume of this pod; use one of ${available.map((n) => `'${n}'`).join(", ")} or add it to ${formatWhere(where)}.volumes`,
                    );
                }
            });
        }
    },
};
