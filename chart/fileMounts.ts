// Credentials the agent reads from a file (`agentTokenFile`, `openLineage.configFile`): the file comes from a volume (a CSI
// secrets-store volume, a Vault agent's shared volume…), so every component that reads it must mount a
// volume at that path or a folder above it. Judged on the final chart values (the volumes as the chart
// gets them), for every pod the chart renders that reads the file (chart/podSpecs.ts): each worker, the
// dag processor, the triggerer and (for the token) Sentinel when enabled. The Vault agent injector's volume (added at
// admission to every container of a pod annotated `vault.hashicorp.com/agent-inject: "true"`) counts.
import type { ConfigProblem } from "../config/errors";
import type { AgentConfig } from "../config/schema";
import { valueAt } from "../schema/tree";
import { finalChartValues } from "./podGuard";
import { podSpecsOf, type PodSpecView } from "./podSpecs";
import type { ChartValues } from "./values";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** The injector's default secrets folder, and the annotations that move it. */
const VAULT_INJECT = "vault.hashicorp.com/agent-inject";
const VAULT_SECRETS_PATH = "/vault/secrets";
const VAULT_PATH_ANNOTATION = /^vault\.hashicorp\.com\/secret-volume-path(-.+)?$/;

/** Whether a mount at `mountPath` (with `subPath`: the mount is that one file) makes `file` visible. */
export function mountCovers(mountPath: string, subPath: boolean, file: string): boolean {
    const dir = mountPath.replace(/\/+$/, "");
    return file === dir || (!subPath && (dir === "" || file.startsWith(`${dir}/`)));
}

/** The folders the Vault agent injector mounts into every container of a pod with these annotations. */
function injectorPaths(annotations: unknown): string[] {
    if (!isObj(annotations) || String(annotations[VAULT_INJECT]).toLowerCase() !== "true") {
        return [];
    }
    const moved = Object.entries(annotations)
        .filter(([k, v]) => VAULT_PATH_ANNOTATION.test(k) && typeof v === "string")
        .map(([, v]) => v as string);
    return [VAULT_SECRETS_PATH, ...moved];
}

/** Whether the main container of `pod` sees `file` through one of its volume mounts (of a volume of the pod). */
function podSeesFile(values: ChartValues, pod: PodSpecView, file: string): boolean {
    const volumeNames = new Set(pod.volumes.map((v) => (isObj(v.value) ? v.value.name : undefined)));
    const mounts = valueAt(values, [...pod.at, "volumeMounts"]);
    const mounted = (Array.isArray(mounts) ? mounts : []).some(
        (m) =>
            isObj(m) &&
            typeof m.mountPath === "string" &&
            volumeNames.has(m.name) &&
            mountCovers(m.mountPath, typeof m.subPath === "string" && m.subPath !== "", file),
    );
    return mounted || injectorPaths(pod.annotations?.value).some((p) => mountCovers(p, false, file));
}

/** A file a credential comes from, the config key naming it, and which pods read it. */
export interface CredentialFile {
    key: string;
    file: string;
    /** What reads it, for the message ("every agent component, Sentinel included"). */
    readers: string;
    /** Whether the pod at this component path reads the file. */
    reads: (component: string) => boolean;
    /** For the message: an example volume and SecretProviderClass, what the file holds, the alternative key. */
    volume: string;
    providerClass: string;
    holding: string;
    instead: string;
}

/** The file must be inside a volume every reading pod mounts: one problem at its key naming each pod without one. */
export function fileMountProblemsOf(values: ChartValues, f: CredentialFile): ConfigProblem[] {
    const missing = podSpecsOf(values)
        .filter((pod) => f.reads(pod.component) && !podSeesFile(values, pod, f.file))
        .map((pod) => pod.component);
    if (missing.length === 0) {
        return [];
    }
    const first = missing[0] ?? "workers[0]";
    return [
        {
            key: f.key,
            message: `'${f.file}' is read by ${f.readers}, but no volume is mounted at that path or a folder above it in ${missing.join(", ")}; mount the volume holding ${f.holding} there in each (e.g. ${first}.volumes: [{name: ${f.volume}, csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: ${f.providerClass}}}}] and ${first}.volumeMounts: [{name: ${f.volume}, mountPath: <folder of the file>, readOnly: true}]), or use ${f.instead}`,
        },
    ];
}

/** The credential files a config names. */
function credentialFiles(cfg: AgentConfig): CredentialFile[] {
    const files: CredentialFile[] = [];
    if (cfg.agentTokenFile !== undefined) {
        files.push({
            key: "agentTokenFile",
            file: cfg.agentTokenFile,
            readers: "every agent component, Sentinel included",
            reads: () => true,
            volume: "agent-token",
            providerClass: "astro-agent-token",
            holding: "the token",
            instead: "agentTokenSecretName",
        });
    }
    if (cfg.openLineage.enabled && cfg.openLineage.configFile !== undefined) {
        files.push({
            key: "openLineage.configFile",
            file: cfg.openLineage.configFile,
            readers: "every component that runs Airflow code (workers, dag processor, triggerer)",
            reads: (component) => component !== "sentinel",
            volume: "openlineage",
            providerClass: "astro-openlineage",
            holding: "the file",
            instead: "openLineage.apiKeySecretName",
        });
    }
    return files;
}

/** {@link fileMountProblemsOf} for every credential file of a config: its final chart values, `extraValues` merged. */
export function fileMountProblems(cfg: AgentConfig): ConfigProblem[] {
    const files = credentialFiles(cfg);
    if (files.length === 0) {
        return [];
    }
    const values = finalChartValues(cfg);
    return files.flatMap((f) => fileMountProblemsOf(values, f));
}
