// `npx tsx scripts/vault-policy.ts --stack NAME [--stack-file FILE] [--set backend.address=https://… ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, everything it would write into Vault: the policy (HCL), the Kubernetes auth role, the auth
// mount and its config when created, the seeded KV v2 secrets (mount and name, never the data), the
// ServiceAccounts the role binds, and the chart's VaultBackend settings (class, kwargs, pod volumes).
// The OpenBao proof (tests/e2e/vault.test.ts) applies exactly these documents to a real server.
import { chartValues, documentScript, ofType, ownerGrantsOf, serviceAccountsOf } from "./lib/documentScript";
import { unwrapSecrets, type RecordedResource } from "./lib/mockRun";

/** Inputs without Pulumi's bookkeeping, secrets unwrapped (reviewer JWTs are replaced by a marker). */
function plain(r: RecordedResource, secretKeys: readonly string[] = []): Record<string, unknown> {
    const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
    return Object.fromEntries(
        Object.entries(inputs)
            .filter(([k]) => !k.startsWith("__"))
            .map(([k, v]) => [k, secretKeys.includes(k) ? "<secret>" : v]),
    );
}

/** The Vault-relevant picture of a mock run. */
export function vaultDocuments(
    resources: readonly RecordedResource[],
    outputs: Record<string, unknown> = {},
): Record<string, unknown> {
    const of = (type: string) => ofType(resources, type);
    const values = chartValues<{
        secretBackend: string;
        commonEnv: { name: string; value?: string }[];
        workers: { volumes?: unknown[]; volumeMounts?: unknown[] }[];
    }>(resources);
    const kwargs = values.commonEnv?.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS")?.value;
    const worker = values.workers?.[0];
    return {
        serviceAccounts: serviceAccountsOf(resources),
        policies: of("vault:index/policy:Policy").map((p) => plain(p)),
        roles: of("vault:kubernetes/authBackendRole:AuthBackendRole").map((r) => plain(r)),
        authMounts: of("vault:index/authBackend:AuthBackend").map((r) => plain(r)),
        authMountConfigs: of("vault:kubernetes/authBackendConfig:AuthBackendConfig").map((r) =>
            plain(r, ["tokenReviewerJwt"]),
        ),
        secrets: of("vault:kv/secretV2:SecretV2").map((s) => ({
            mount: s.inputs.mount,
            name: s.inputs.name,
            deleteAllVersions: s.inputs.deleteAllVersions,
        })),
        chart: {
            secretBackend: values.secretBackend,
            kwargs: kwargs === undefined ? undefined : (JSON.parse(kwargs) as unknown),
            volumes: worker?.volumes ?? [],
            volumeMounts: worker?.volumeMounts ?? [],
        },
        ...ownerGrantsOf(outputs),
    };
}

if (require.main === module) {
    documentScript("vault-policy.ts", vaultDocuments, (docs) =>
        (docs.roles as unknown[]).length === 0 && docs.ownerGrants === undefined
            ? "creates no Vault role (backend.kind is not vault)"
            : undefined,
    );
}
