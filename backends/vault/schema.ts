// The `backend` config branch of the Vault backend and its cross-key checks (the mount and path pitfalls
// of Airflow's VaultBackend, refused before anything is created).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    absolutePath,
    configPath,
    annotationsSchema,
    connectionId,
    dnsSubdomain,
    identifier,
    pythonClassPath,
    secretString,
    strictObject,
    urlString,
    wholeNumber,
    wiring,
    type Wired,
} from "../../schema/primitives";
import { XCOM_OBJECT_STORAGE_BACKEND } from "../airflow";
import {
    grantsSchema,
    installationId,
    namedStoreTaskLogsIssues,
    namedStoreTaskLogsSchema,
    prefixOverlapIssues,
    stackSecretPrefix,
    xcomPathSchema,
} from "../shared";
import type { BackendIssue } from "../types";

const VAULT_PART = { pattern: /^[A-Za-z0-9_.-]+$/, rule: "parts of letters, digits and _.-" };
const mountPath = (what: string, example: string) =>
    configPath({ what, example, form: "relative", segment: VAULT_PART, max: 128 });
const kvPath = configPath({
    what: "a path under the KV mount",
    example: "astro/connections",
    form: "relative",
    segment: VAULT_PART,
    max: 256,
});
const VAULT_NAME = /^[A-Za-z0-9_.@-]{1,128}$/;
const vaultName = (what: string, example: string) =>
    identifier(what, example, { pattern: VAULT_NAME, rule: "at most 128 letters, digits and _.@-" });
/** Vault's own mounts: never a KV engine. */
const RESERVED_MOUNTS = ["auth", "sys", "identity", "cubbyhole"];

const PEM = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
const PEM_EXPECTED = "a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)";
const PEM_EXAMPLE = "-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----";

const vaultAddress = (what: string) =>
    urlString({
        schemes: ["https", "http"],
        what,
        example: "https://vault.example.com:8200",
        originOnly: true,
    });

/** Annotations whose values may come from other resources (e.g. the ARN of an IAM role the program creates). */
const wiredAnnotations = z
    .record(annotationsSchema.keyType, wiring(annotationsSchema.valueType))
    .meta(annotationsSchema.meta() ?? {});

export const vaultBackendSchema = strictObject({
    kind: z.literal("vault"),
    grants: grantsSchema("the agent's policy and the Kubernetes auth role that grants it"),
    address: wiring(vaultAddress("the Vault address the agent's pods use")).describe(
        "Vault (or OpenBao) address the agent's pods use: the `url` kwarg. `https://` (plain `http://` in prod only with `acceptRisks: [plainHttpVault]`).",
    ),
    providerAddress: wiring(vaultAddress("the Vault address Pulumi uses"))
        .optional()
        .describe(
            "Address Pulumi uses to create the role, policy and secrets when it creates the `vault` provider (default `address`).",
        ),
    token: secretString()
        .optional()
        .describe(
            "Vault token Pulumi uses (secret config) when it creates the `vault` provider; unset: `VAULT_TOKEN` of the deploying shell. Never reaches the agent.",
        ),
    namespace: wiring(mountPath("a Vault namespace", "admin"))
        .optional()
        .describe("Vault Enterprise / OpenBao namespace of everything (provider and the `namespace` kwarg)."),
    kv: strictObject({
        mount: wiring(mountPath("a KV version 2 secrets engine mount", "secret"))
            .default("secret")
            .describe("The KV v2 secrets engine mount (`mount_point`): not the auth mount."),
        connectionsPath: kvPath
            .optional()
            .describe(
                "`connections_path` under the mount (default `<project>/<stack>/connections`, unique per stack).",
            ),
        variablesPath: kvPath
            .optional()
            .describe("`variables_path` under the mount (default `<project>/<stack>/variables`, unique per stack)."),
        configPath: kvPath.nullable().default(null).describe("`config_path`; null disables config lookups."),
        connections: z
            .record(connectionId("my_postgres"), secretString())
            .default({})
            .describe(
                "Connections to seed as KV v2 secrets `<connectionsPath>/<id>` (secret config; JSON becomes the secret's fields, a URI `conn_uri`).",
            ),
        variables: z
            .record(identifier("an Airflow variable key", "my_variable"), secretString())
            .default({})
            .describe(
                "Variables to seed as KV v2 secrets `<variablesPath>/<key>` with the value under `value` (secret config).",
            ),
    })
        .prefault({})
        .describe("The KV v2 secrets engine Airflow reads; the agent may read only these paths."),
    auth: strictObject({
        mount: wiring(mountPath("a Kubernetes auth mount path (without 'auth/')", "kubernetes"))
            .default("kubernetes")
            .describe("Path of the Kubernetes auth method (`auth_mount_point`), one per cluster."),
        roleName: vaultName("a Vault role name", "astro-agent")
            .optional()
            .describe(
                "Role name (`kubernetes_role`; default `<resourceNamePrefix>-agent-<8 hex>`, unique per stack, mount and namespace).",
            ),
        policyName: vaultName("a Vault policy name", "astro-agent")
            .optional()
            .describe("Name of the agent's policy (default: the role name)."),
        audience: identifier("a token audience", "vault", { max: 253 })
            .default("vault")
            .describe("Audience of the agent's projected ServiceAccount token; the role accepts no other."),
        tokenTtlSeconds: wholeNumber(60, 86_400, 900, "seconds")
            .default(900)
            .describe("TTL of the Vault tokens the role issues (the backend logs in again when one expires)."),
        tokenMaxTtlSeconds: wholeNumber(60, 86_400, 1800, "seconds")
            .default(1800)
            .describe("Maximum TTL of those tokens."),
        jwtExpirationSeconds: wholeNumber(600, 86_400, 3600, "seconds")
            .default(3600)
            .describe("Lifetime of the projected ServiceAccount token the pods log in with (the kubelet rotates it)."),
        createMount: strictObject({
            kubernetesHost: wiring(
                urlString({
                    schemes: ["https"],
                    what: "the cluster's API server URL as Vault reaches it",
                    example: "https://kubernetes.default.svc:443",
                }),
            ).describe("API server URL Vault calls for TokenReview."),
            kubernetesCaCert: wiring(
                z
                    .string()
                    .meta({ expected: PEM_EXPECTED, example: PEM_EXAMPLE })
                    .regex(PEM, `must be ${PEM_EXPECTED}, for example '${PEM_EXAMPLE}'`),
            )
                .optional()
                .describe("CA of the API server (PEM); unset: Vault's own in-cluster CA."),
            issuer: wiring(
                identifier("the service account token issuer", "https://kubernetes.default.svc.cluster.local"),
            )
                .optional()
                .describe("Expected `iss` of the tokens (unset: not checked, Vault's default)."),
            tokenReviewerJwt: secretString()
                .optional()
                .describe(
                    "Token of a reviewer ServiceAccount bound to `system:auth-delegator` (secret config); unset: Vault's own ServiceAccount token (Vault in the cluster).",
                ),
        })
            .optional()
            .describe("Create the Kubernetes auth mount and its config; unset: `auth.mount` already exists."),
    })
        .prefault({})
        .describe("Kubernetes auth: the role bound to exactly the agent's ServiceAccounts, and its policy."),
    tls: strictObject({
        configMapName: wiring(dnsSubdomain("vault-ca"))
            .optional()
            .describe("ConfigMap in the agent namespace holding the CA bundle."),
        secretName: wiring(dnsSubdomain("vault-ca"))
            .optional()
            .describe("Secret in the agent namespace holding the CA bundle."),
        key: identifier("a ConfigMap or Secret key", "ca.crt", { pattern: /^[-._A-Za-z0-9]+$/, max: 253 })
            .default("ca.crt")
            .describe("Key of the PEM bundle in it."),
        mountPath: absolutePath.default("/usr/local/airflow/vault-ca").describe("Where the bundle is mounted."),
    })
        .optional()
        .describe("CA bundle Vault's certificate chains to, mounted into the agent's pods and passed as `verify`."),
    xcomPath: wiring(xcomPathSchema).describe(
        "XCom object storage path `<scheme>://[<conn_id>@]<bucket>/<path>` (Vault has no object store: bring one).",
    ),
    xcomBackend: pythonClassPath.default(XCOM_OBJECT_STORAGE_BACKEND).describe("Airflow XCom backend class path."),
    taskLogs: namedStoreTaskLogsSchema,
    serviceAccountAnnotations: wiredAnnotations
        .default({})
        .describe(
            "Annotations for every agent ServiceAccount that give the pods access to the XCom store (e.g. `eks.amazonaws.com/role-arn`).",
        ),
});
export type VaultBackendConfig = z.output<typeof vaultBackendSchema>;

/** The KV paths in use. */
export interface VaultPaths {
    connections: string;
    variables: string;
    config: string | null;
}

/** The configured paths, else `<project>/<stack>/connections` and `…/variables` (unique per stack). */
export function vaultPaths(
    kv: VaultBackendConfig["kv"],
    project: string = pulumi.getProject(),
    stack: string = pulumi.getStack(),
): VaultPaths {
    return {
        connections: kv.connectionsPath ?? stackSecretPrefix("connections", project, stack),
        variables: kv.variablesPath ?? stackSecretPrefix("variables", project, stack),
        config: kv.configPath,
    };
}

/** `[config key, path]` of the paths in use (config only when enabled). */
export function vaultPathEntries(p: VaultPaths): [string, string][] {
    return [
        ["connectionsPath", p.connections],
        ["variablesPath", p.variables],
        ...(p.config === null ? [] : ([["configPath", p.config]] as [string, string][])),
    ];
}

/**
 * The role (and policy) name: configured, else `<resourceNamePrefix>-agent-<8 hex of project/stack/mount/namespace>`.
 * Takes resolved values (the Vault namespace and the auth mount may be Outputs in component args).
 */
export function vaultNames(
    cfg: {
        namespace?: string | undefined;
        auth: { mount: string; roleName?: string | undefined; policyName?: string | undefined };
    },
    resourceNamePrefix: string,
    namespace: string,
    project: string = pulumi.getProject(),
    stack: string = pulumi.getStack(),
): { role: string; policy: string } {
    const role =
        cfg.auth.roleName ??
        `${resourceNamePrefix}-agent-${installationId([project, stack, cfg.namespace ?? "", cfg.auth.mount, namespace])}`;
    return { role, policy: cfg.auth.policyName ?? role };
}

/** Cross-key checks of the Vault branch: the mount/path mix-ups that make Airflow find nothing. */
export function validateVaultBackend(cfg: VaultBackendConfig): BackendIssue[] {
    const issues: BackendIssue[] = [];
    const at = (...path: (string | number)[]) => ["backend", ...path];
    // A key given as an Output (component args) is checked alone when it resolves; the comparisons
    // below that need its value are skipped for it (undefined here).
    const known = (v: Wired<string>) => (typeof v === "string" ? v : undefined);
    const kvMount = known(cfg.kv.mount);
    const authMount = known(cfg.auth.mount);
    const first = kvMount?.split("/")[0] ?? "";
    if (RESERVED_MOUNTS.includes(first)) {
        issues.push({
            path: at("kv", "mount"),
            message: `is the KV v2 secrets engine mount (mount_point), and '${first}/' is Vault's own; name the KV mount, e.g. 'secret' (the auth method goes in backend.auth.mount)`,
        });
    }
    if (authMount?.startsWith("auth/") === true) {
        issues.push({
            path: at("auth", "mount"),
            message: `write the auth mount without 'auth/' (hvac adds it): '${authMount.slice("auth/".length)}'`,
        });
    }
    if (kvMount !== undefined && authMount === kvMount) {
        issues.push({
            path: at("kv", "mount"),
            message: `equals backend.auth.mount ('${kvMount}'): mount_point is the KV secrets engine holding the secrets, not the auth method the pods log in with (apache/airflow#8974)`,
        });
    }
    const paths = vaultPathEntries(vaultPaths(cfg.kv, "<project>", "<stack>"));
    for (const [key, value] of paths) {
        if (kvMount !== undefined && (value === kvMount || value.startsWith(`${kvMount}/`))) {
            issues.push({
                path: at("kv", key),
                message: `starts with the KV mount '${kvMount}': paths are relative to backend.kv.mount, so Airflow would read '${kvMount}/data/${value}/<id>'; write '${value.slice(kvMount.length + 1) || "<path>"}'`,
            });
        } else if (/^(data|metadata)(\/|$)/.test(value)) {
            issues.push({
                path: at("kv", key),
                message: `starts with '${value.split("/")[0] ?? ""}/', a KV v2 API prefix the backend adds itself; write the path without it`,
            });
        }
    }
    issues.push(...prefixOverlapIssues(paths, (key) => at("kv", key), "kv"));
    if (cfg.auth.tokenTtlSeconds > cfg.auth.tokenMaxTtlSeconds) {
        issues.push({
            path: at("auth", "tokenTtlSeconds"),
            message: `(${cfg.auth.tokenTtlSeconds}) exceeds auth.tokenMaxTtlSeconds (${cfg.auth.tokenMaxTtlSeconds}); Vault would cap every token at the maximum`,
        });
    }
    const plainHttp = known(cfg.address)?.toLowerCase().startsWith("http://") === true;
    if (cfg.tls !== undefined) {
        const sources = [cfg.tls.configMapName, cfg.tls.secretName].filter((s) => s !== undefined).length;
        if (sources !== 1) {
            issues.push({
                path: at("tls", sources === 0 ? "configMapName" : "secretName"),
                message: "set exactly one of tls.configMapName and tls.secretName (the CA bundle's source)",
            });
        }
        if (plainHttp) {
            issues.push({
                path: at("tls"),
                message: "is set but backend.address uses http://: use https:// or drop tls",
            });
        }
    }
    issues.push(...namedStoreTaskLogsIssues(cfg.taskLogs, known(cfg.xcomPath)));
    return issues;
}
