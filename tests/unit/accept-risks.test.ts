// Prod weakenings and `acceptRisks` (config/risks.ts, backends/*/risks.ts), by property: configs with a
// generated subset of weakenings (generated values, at generated places) and a generated
// acknowledgement list are refused iff the stack is prod and some weakening present is not
// acknowledged; every refusal and warning names its key, the risk id and the acknowledgement.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { RISK_IDS } from "../../config/risks";
import { baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

/** Every risk id, written out: the enum must be exactly these. */
const ALL_RISKS = [
    "unrestrictedPods",
    "plainHttpChartRepo",
    "floatingImageTag",
    "broadManagedPolicy",
    "shortSecretRecovery",
    "openNetworkRules",
    "purgeProtectionOff",
    "plainHttpVault",
    "wildcardVaultAudience",
] as const;
type Risk = (typeof ALL_RISKS)[number];

/** One generated weakening: how it changes the config, and the key and risk the change must be reported at. */
interface Planted {
    risk: Risk;
    keys: string[];
    apply: (v: Values) => void;
}

const ISSUER =
    "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";
const CLOSED = { defaultAction: "Deny", ipRules: ["203.0.113.0/24"] };

/** A closed (no weakening) backend of each kind the generator varies. */
const BACKENDS: Record<"external" | "aws" | "azure" | "vault", () => Values> = {
    external: () => ({ kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" }),
    aws: () => ({ kind: "aws", region: "eu-west-1", eksClusterName: "prod-eks", managedPolicyArns: [] }),
    azure: () => ({
        kind: "azure",
        location: "westeurope",
        resourceGroup: { name: "rg-agent" },
        oidcIssuerUrl: ISSUER,
        keyVault: { networkRules: { ...CLOSED } },
        storage: { networkRules: { ...CLOSED } },
    }),
    vault: () => ({ kind: "vault", address: "https://vault.example.com:8200", xcomPath: "s3://xcom-bucket/xcom" }),
};
type Kind = keyof typeof BACKENDS;

const backendOf = (v: Values) => v.backend as Record<string, Record<string, unknown>>;
const sub = (v: Values, key: string) => (backendOf(v)[key] ??= {});

const word = fc.stringMatching(/^[a-z][a-z-]{0,10}[a-z]$/).filter((w) => w !== "latest");
const num = fc.integer({ min: 0, max: 40 });
/** Tags that float: words (`main`, `stable`), a major, a major.minor (with or without a suffix). */
const floatingTag = fc.oneof(
    word,
    num.map(String),
    fc.tuple(num, num).map(([a, b]) => `${a}.${b}`),
    fc.tuple(num, num, word).map(([a, b, w]) => `${a}.${b}-${w}`),
);
/** Where an image can be: key and how to set it. */
const imagePlaces: [string, (v: Values, ref: string) => void][] = [
    ["sentinel.image", (v, ref) => (v.sentinel = { image: ref })],
    ["triggerer.image", (v, ref) => (v.triggerer = { image: ref })],
    ["dagProcessor.image", (v, ref) => (v.dagProcessor = { image: ref })],
    ["workers[0].image", (v, ref) => (v.workers = [{ name: "w", image: ref }])],
    [
        "workers[0].initContainers[0].image",
        (v, ref) => (v.workers = [{ name: "w", initContainers: [{ name: "init", image: ref }] }]),
    ],
    [
        "loggingSidecar.image",
        (v, ref) => (v.loggingSidecar = { enabled: true, image: ref, config: "sources: {logs: {type: file}}" }),
    ],
];
const policyName = fc.stringMatching(/^[A-Z][a-z0-9]{0,12}$/);
/** A full-access tier of AWS managed policies (`…FullAccess`, `…AdministratorAccess`…, job-function admins). */
const broadArn = fc.oneof(
    fc
        .tuple(policyName, fc.constantFrom("FullAccess", "AdministratorAccess", "PowerUserAccess"), fc.boolean())
        .map(([p, tier, variant]) => `arn:aws:iam::aws:policy/${p}${tier}${variant ? `-${p}` : ""}`),
    policyName.map((p) => `arn:aws:iam::aws:policy/job-function/${p}Administrator`),
);
/** Policies that are not broad by their ARN: read-only tiers, and any customer-managed policy. */
const narrowArn = fc.oneof(
    policyName.map((p) => `arn:aws:iam::aws:policy/${p}ReadOnlyAccess`),
    fc
        .tuple(policyName, fc.constantFrom("AdministratorAccess", "FullAccess", ""))
        .map(([p, t]) => `arn:aws:iam::123456789012:policy/${p}${t}`),
);
const octet = fc.integer({ min: 1, max: 223 });
const range = (min: number, max: number) =>
    fc.tuple(octet, octet, fc.integer({ min, max })).map(([a, b, p]) => `${a}.${b}.0.0/${p}`);

/** The weakenings a backend kind can plant (the program's apply to every kind). */
function weakenings(kind: Kind): fc.Arbitrary<Planted>[] {
    const common: fc.Arbitrary<Planted>[] = [
        fc.constant({ risk: "unrestrictedPods", keys: ["restricted"], apply: (v) => (v.restricted = false) }),
        word.map((host) => ({
            risk: "plainHttpChartRepo",
            keys: ["chart.repo"],
            apply: (v) => (v.chart = { repo: `http://${host}.example.com/charts`, version: "2.3.3" }),
        })),
        fc.tuple(floatingTag, fc.constantFrom(...imagePlaces)).map(([tag, [key, set]]) => ({
            risk: "floatingImageTag",
            keys: [key],
            apply: (v) => {
                set(v, `registry.example.com/team/image:${tag}`);
            },
        })),
    ];
    const own: Record<Kind, fc.Arbitrary<Planted>[]> = {
        external: [],
        aws: [
            fc.tuple(fc.array(narrowArn, { maxLength: 3 }), broadArn).map(([narrow, broad]) => ({
                risk: "broadManagedPolicy",
                keys: [`backend.managedPolicyArns[${narrow.length}]`],
                apply: (v) =>
                    (backendOf(v).managedPolicyArns = [...narrow, broad] as unknown as Record<string, unknown>),
            })),
            fc.constant({
                risk: "shortSecretRecovery",
                keys: ["backend.secretsManager.recoveryWindowInDays"],
                apply: (v) => (sub(v, "secretsManager").recoveryWindowInDays = 0),
            }),
        ],
        azure: [
            // Per side: defaultAction Allow (explicit, or by default), open ranges after closed ones, or both.
            ...(["keyVault", "storage"] as const).map((side) =>
                fc
                    .tuple(
                        fc.constantFrom("explicit", "default", "deny"),
                        fc.array(range(8, 32), { maxLength: 2 }),
                        fc.option(range(0, 7), { nil: undefined }),
                    )
                    .filter(([allow, , open]) => allow !== "deny" || open !== undefined)
                    .map(([allow, closed, open]) => ({
                        risk: "openNetworkRules" as const,
                        keys: [
                            ...(allow === "deny" ? [] : [`backend.${side}.networkRules.defaultAction`]),
                            ...(open === undefined ? [] : [`backend.${side}.networkRules.ipRules[${closed.length}]`]),
                        ],
                        apply: (v: Values) => {
                            const ipRules = open === undefined ? closed : [...closed, open];
                            if (allow === "default") {
                                // defaultAction is Allow when not set
                                sub(v, side).networkRules = { ipRules };
                            } else {
                                sub(v, side).networkRules = {
                                    defaultAction: allow === "explicit" ? "Allow" : "Deny",
                                    ipRules,
                                };
                            }
                        },
                    })),
            ),
            fc.integer({ min: 7, max: 89 }).map((days) => ({
                risk: "shortSecretRecovery",
                keys: ["backend.keyVault.softDeleteRetentionInDays"],
                apply: (v) => (sub(v, "keyVault").softDeleteRetentionInDays = days),
            })),
            fc.constant({
                risk: "purgeProtectionOff",
                keys: ["backend.keyVault.purgeProtection"],
                apply: (v) => (sub(v, "keyVault").purgeProtection = false),
            }),
        ],
        vault: [
            ...(["address", "providerAddress"] as const).map((key) =>
                word.map((host) => ({
                    risk: "plainHttpVault" as const,
                    keys: [`backend.${key}`],
                    apply: (v: Values) => (backendOf(v)[key] = `http://${host}.internal:8200` as never),
                })),
            ),
            fc.tuple(word, fc.constantFrom("*", "?"), fc.nat(12)).map(([w, glob, at]) => ({
                risk: "wildcardVaultAudience",
                keys: ["backend.auth.audience"],
                apply: (v) => (sub(v, "auth").audience = `${w.slice(0, at)}${glob}${w.slice(at)}`),
            })),
        ],
    };
    return [...common, ...own[kind]];
}

/** A config: environment, backend kind, a subset of that kind's weakenings, and an acknowledgement list. */
const scenario = fc
    .tuple(fc.constantFrom<Kind>("external", "aws", "azure", "vault"), fc.constantFrom("dev", "prod"))
    .chain(([kind, environment]) =>
        fc.record({
            kind: fc.constant(kind),
            environment: fc.constant(environment),
            planted: fc
                .subarray(weakenings(kind))
                .chain((arbs) => (arbs.length === 0 ? fc.constant<Planted[]>([]) : fc.tuple(...arbs))),
            accepted: fc.shuffledSubarray([...ALL_RISKS]),
        }),
    );

function configOf(s: { kind: Kind; environment: string; planted: Planted[]; accepted: Risk[] }): Values {
    const v = baseValues();
    v.environment = s.environment;
    v.backend = BACKENDS[s.kind]();
    if (s.environment === "prod") {
        v.agentTokenSecretName = "t";
        delete v.agentToken;
        v.imagePullSecretName = "p";
        delete v.imagePullCredentials;
    }
    for (const p of s.planted) {
        p.apply(v);
    }
    v.acceptRisks = s.accepted;
    return v;
}

describe("prod weakenings and acceptRisks (by property)", () => {
    it("the acceptRisks enum is exactly the documented risks", () => {
        assert.deepEqual([...RISK_IDS].sort(), [...ALL_RISKS].sort());
    });

    it("refused iff prod and a weakening present is not acknowledged; each refusal and warning names its key", () => {
        let refused = 0;
        let warned = 0;
        fc.assert(
            fc.property(scenario, (s) => {
                const result = validateStackConfig(raw(configOf(s), s.environment === "prod" ? [] : undefined));
                const accepted = new Set<string>(s.accepted);
                // Each planted weakening at each of its keys.
                const open = s.planted
                    .filter((p) => !accepted.has(p.risk))
                    .flatMap((p) => p.keys.map((key) => ({ risk: p.risk, key })));
                const present = new Set<string>(s.planted.map((p) => p.risk));
                const problems = result.ok ? [] : result.problems;
                const riskProblems = problems.filter((p) => / \(risk '[A-Za-z]+'\)/.test(p.message));
                // Nothing else is wrong with the generated configs.
                assert.deepEqual(
                    problems.filter((p) => !riskProblems.includes(p)),
                    [],
                    JSON.stringify(configOf(s)),
                );
                if (s.environment === "prod") {
                    assert.equal(result.ok, open.length === 0);
                    assert.deepEqual(riskProblems.map((p) => p.key).sort(), open.map((p) => p.key).sort());
                    for (const p of open) {
                        const problem = riskProblems.find((q) => q.key === p.key);
                        assert.ok(problem, p.key);
                        assert.ok(problem.message.includes(`; refused in prod (risk '${p.risk}'): `), problem.message);
                        assert.ok(problem.message.endsWith(`acknowledge the risk with acceptRisks: [${p.risk}]`));
                    }
                    refused += open.length > 0 ? 1 : 0;
                } else {
                    assert.equal(result.ok, true);
                }
                const riskWarnings = result.warnings.filter((w) => / \(risk '|acceptRisks\[/.test(w));
                const expected = [
                    ...(s.environment === "dev" ? open.map((p) => `${p.key}: `) : []),
                    // Warnings of the whole config come once nothing is refused.
                    ...(result.ok ? s.accepted : []).flatMap((r, i) =>
                        present.has(r) ? [] : [`acceptRisks[${i}]: '${r}' matches nothing in this config`],
                    ),
                ];
                assert.equal(riskWarnings.length, expected.length, riskWarnings.join("\n"));
                for (const start of expected) {
                    assert.ok(
                        riskWarnings.some((w) => w.startsWith(start)),
                        `${start} in\n${riskWarnings.join("\n")}`,
                    );
                }
                for (const p of s.environment === "dev" ? open : []) {
                    const w = riskWarnings.find((x) => x.startsWith(`${p.key}: `)) ?? "";
                    assert.ok(w.includes(`(risk '${p.risk}')`) && w.endsWith(`acceptRisks: [${p.risk}]`), w);
                }
                warned += riskWarnings.length > 0 ? 1 : 0;
            }),
            { numRuns: 300, seed: 23 },
        );
        // The generator reaches both outcomes.
        assert.ok(refused > 30 && warned > 30, `${refused} refused, ${warned} warned`);
    });
});

describe("prod weakenings: exact messages", () => {
    function prodProblems(change: (v: Values) => void): string[] {
        const v = baseValues();
        Object.assign(v, { environment: "prod", agentTokenSecretName: "t", imagePullSecretName: "p" });
        delete v.agentToken;
        delete v.imagePullCredentials;
        change(v);
        const result = validateStackConfig(raw(v, []));
        return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
    }

    it("names the key, what the value does, the safer setting and the risk id to acknowledge", () => {
        assert.deepEqual(
            prodProblems((v) => {
                v.backend = {
                    ...BACKENDS.vault(),
                    address: "http://vault.internal:8200",
                    auth: { audience: "vault-*" },
                };
                v.chart = { repo: "http://charts.internal", version: "2.3.3" };
            }),
            [
                "chart.repo: uses http://: the chart is fetched in clear text; refused in prod (risk 'plainHttpChartRepo'): use an https:// repository, an oci:// chart.name or a local chart.path, or acknowledge the risk with acceptRisks: [plainHttpChartRepo]",
                "backend.address: uses http://: tokens and secrets cross the network in clear text; refused in prod (risk 'plainHttpVault'): use https:// (with backend.tls for a private CA), or acknowledge the risk with acceptRisks: [plainHttpVault]",
                "backend.auth.audience: 'vault-*' is a wildcard: the role would not pin the token audience; refused in prod (risk 'wildcardVaultAudience'): name one exact audience, for example 'vault' (the default), or acknowledge the risk with acceptRisks: [wildcardVaultAudience]",
            ],
        );
    });

    it("in a fleet, a cluster's own weakening is reported at its key, a shared one once per cluster at the shared key (cluster by cluster)", () => {
        assert.deepEqual(
            prodProblems((v) => {
                v.backend = {
                    ...BACKENDS.aws(),
                    eksClusterName: undefined,
                    secretsManager: { recoveryWindowInDays: 0 },
                };
                v.clusters = [
                    { name: "primary", backend: { eksClusterName: "eks-a" } },
                    {
                        name: "dr",
                        namespace: "astro-agent-dr",
                        backend: {
                            eksClusterName: "eks-b",
                            managedPolicyArns: ["arn:aws:iam::aws:policy/job-function/SystemAdministrator"],
                        },
                    },
                ];
            }),
            [
                "backend.secretsManager.recoveryWindowInDays: in cluster 'primary' (clusters[0]): is 0: a deleted seeded secret is gone at once; refused in prod (risk 'shortSecretRecovery'): set it to at least 7 (or leave it unset: 30 in prod), or acknowledge the risk with acceptRisks: [shortSecretRecovery]",
                "clusters[1].backend.managedPolicyArns[0]: attaches the full-access AWS managed policy 'SystemAdministrator' to the agent's role; refused in prod (risk 'broadManagedPolicy'): attach a policy scoped to the resources and actions the DAGs need, or acknowledge the risk with acceptRisks: [broadManagedPolicy]",
                "backend.secretsManager.recoveryWindowInDays: in cluster 'dr' (clusters[1]): is 0: a deleted seeded secret is gone at once; refused in prod (risk 'shortSecretRecovery'): set it to at least 7 (or leave it unset: 30 in prod), or acknowledge the risk with acceptRisks: [shortSecretRecovery]",
            ],
        );
    });

    it("refuses an acknowledgement listed twice and an unknown risk id", () => {
        assert.deepEqual(
            prodProblems((v) => {
                v.acceptRisks = ["unrestrictedPods", "unrestrictedPods", "everything"];
                v.restricted = false;
                v.backend = BACKENDS.external();
            }).map((p) => p.slice(0, 120)),
            [`acceptRisks[2]: must be one of ${ALL_RISKS.map((r) => `'${r}'`).join(", ")}`.slice(0, 120)],
        );
        assert.deepEqual(
            prodProblems((v) => {
                v.acceptRisks = ["unrestrictedPods", "unrestrictedPods"];
                v.restricted = false;
                v.backend = BACKENDS.external();
            }),
            ["acceptRisks[1]: repeats acceptRisks[0] 'unrestrictedPods'; list each risk once"],
        );
    });
});
