// The volumes this program adds to agent pods, by name, so user `volumeMounts` can be checked against
// what will exist (chart/values.ts builds the same volumes; a unit test keeps the two in step).
import { CA_BUNDLE_VOLUME } from "./tenant";

/** The writable `/tmp` restricted mode mounts in every component. */
export const TMP_VOLUME = "tmp";
/** The task-log folder shared by workers/triggerer and the logging sidecar. */
export const TASK_LOGS_VOLUME = "task-logs";
/** The logging sidecar's writable data dir (restricted mode). */
export const SIDECAR_DATA_VOLUME = "logging-sidecar-data";

/** Volume name for a local bundle's claim. */
export function bundleVolumeName(bundle: string): string {
    return `dags-${bundle.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

/** The components whose `volumes` and `volumeMounts` users set. */
export type MountingComponent = "worker" | "triggerer" | "dagProcessor";

/** The parts of the config that decide which volumes the program adds. */
export interface VolumeView {
    restricted: boolean;
    caBundle?: unknown;
    loggingSidecar: { enabled: boolean };
    dagBundles: readonly { type: string; name: string; persistentVolumeClaim?: string | undefined }[];
}

/** Names of the volumes the program adds to a component's pods (the backend's come from the backend). */
export function programVolumeNames(
    cfg: VolumeView,
    component: MountingComponent,
    backendVolumes: readonly string[],
): string[] {
    const names: string[] = [];
    if (cfg.restricted) {
        names.push(TMP_VOLUME);
    }
    if (component !== "dagProcessor" && (cfg.restricted || cfg.loggingSidecar.enabled)) {
        names.push(TASK_LOGS_VOLUME);
    }
    if (cfg.caBundle !== undefined) {
        names.push(CA_BUNDLE_VOLUME);
    }
    names.push(...backendVolumes);
    for (const b of cfg.dagBundles) {
        if (b.type === "local" && b.persistentVolumeClaim !== undefined) {
            names.push(bundleVolumeName(b.name));
        }
    }
    return names;
}
