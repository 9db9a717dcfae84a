// What a deployed agent should look like, derived from the chart values the program gave Helm (the
// `chartValues` stack output, or `RemoteExecutionAgent.chartValues`): names only, never secret values.
import type { AgentExpectations, ExpectedComponent, ExpectedSecret } from "./types";

type Values = Record<string, unknown>;

function map(v: unknown): Values {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Values) : {};
}

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** Options of {@link expectationsFromValues}. */
export interface ExpectationOptions {
    /** A label for the agent in reports (stack name, fleet member). Default the namespace. */
    agent?: string;
    /** The namespace, when the values do not carry it. */
    namespace?: string;
    /** The backend kind (`aws`, `azure`, ...), to name identity config keys. */
    backendKind?: string;
    /** The Helm release name (its revisions are then checked for a stuck install or upgrade). */
    releaseName?: string;
    /** The command that recovers a stuck release. */
    recoverCommand?: string;
    /** Whether the stack's state holds the release, when known. */
    releaseInState?: boolean;
}

/**
 * The components, Secrets and identity annotations the chart values describe. Component config paths
 * follow the stack config (`workers[i]` in the order of `workers`), which the values keep.
 */
export function expectationsFromValues(values: Values, options: ExpectationOptions = {}): AgentExpectations {
    const prefix = str(values.resourceNamePrefix);
    if (prefix === undefined) {
        throw new Error("chart values have no resourceNamePrefix: pass the chartValues output of the stack");
    }
    const namespace = options.namespace ?? str(values.namespace);
    if (namespace === undefined) {
        throw new Error("chart values have no namespace and none was given");
    }
    const image = str(values.image) ?? "";
    const sa = map(values.serviceAccount);
    const components: ExpectedComponent[] = [];
    const workers = Array.isArray(values.workers) ? (values.workers as unknown[]).map(map) : [];
    workers.forEach((w, i) => {
        const name = str(w.name) ?? String(i);
        components.push({
            key: `worker:${name}`,
            configPath: `workers[${i}]`,
            deployment: `${prefix}-worker-${name}`,
            serviceAccount: str(map(w.serviceAccount).name) ?? `${prefix}-worker-${name}`,
            image: str(w.image) ?? image,
            ownImage: str(w.image) !== undefined,
            container: "worker",
        });
    });
    const single = (key: string, slug: string, container: string) => {
        const c = map(values[key]);
        components.push({
            key,
            configPath: key,
            deployment: `${prefix}-${slug}`,
            serviceAccount: str(map(sa[key]).name) ?? `${prefix}-${slug}`,
            image: str(c.image) ?? image,
            ownImage: str(c.image) !== undefined,
            container,
        });
    };
    single("dagProcessor", "dag-processor", "dag-processor");
    single("triggerer", "triggerer", "triggerer");
    if (map(values.sentinel).enabled === true) {
        single("sentinel", "sentinel", "sentinel");
    }

    const secrets: ExpectedSecret[] = [];
    const tokenSecret = str(values.agentTokenSecretName);
    if (tokenSecret !== undefined) {
        secrets.push({
            name: tokenSecret,
            dataKey: "token",
            what: "agent token",
            configKeys: ["agentToken", "agentTokenSecretName"],
        });
    }
    const pullSecret = str(values.imagePullSecretName) ?? "image-pull-secret";
    secrets.push({
        name: pullSecret,
        dataKey: ".dockerconfigjson",
        type: "kubernetes.io/dockerconfigjson",
        what: "image pull",
        configKeys: ["imagePullCredentials", "imagePullSecretName"],
    });
    const lineage = map(values.openLineage);
    const lineageSecret = str(lineage.apiKeySecret);
    if (lineage.enabled === true && lineageSecret !== undefined) {
        secrets.push({
            name: lineageSecret,
            dataKey: "api-key",
            what: "OpenLineage API key",
            configKeys: ["openLineage.apiKey", "openLineage.apiKeySecretName"],
        });
    }
    const annotations = Object.fromEntries(
        Object.entries(map(sa.annotations)).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    const csc = map(values.containerSecurityContext);
    return {
        agent: options.agent ?? namespace,
        namespace,
        restricted: csc.readOnlyRootFilesystem === true && csc.allowPrivilegeEscalation === false,
        components,
        secrets,
        imagePullSecretName: pullSecret,
        serviceAccountAnnotations: annotations,
        backendKind: options.backendKind,
        ...(options.releaseName === undefined ? {} : { releaseName: options.releaseName }),
        ...(options.recoverCommand === undefined ? {} : { recoverCommand: options.recoverCommand }),
        ...(options.releaseInState === undefined ? {} : { releaseInState: options.releaseInState }),
    };
}
