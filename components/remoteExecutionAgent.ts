import * as pulumi from "@pulumi/pulumi";
import { formatProblems, parseConfig, type ConfigProblem } from "../config/errors";
import { agentConfigSchema, type AgentConfig, type AgentConfigInput } from "../config/schema";
import { checkWholeConfig } from "../chart/validate";
import { isValidated, markValidated } from "../config/validated";
import { deferredValues, gateDeferred, wiringOf, withWiringStandIns } from "../config/wiring";
import { AgentCredentials } from "./agentCredentials";
import { AgentNamespace } from "./agentNamespace";
import { caBundleFile } from "../config/tenant";
import { AgentNetworkPolicy } from "./agentNetworkPolicy";
import { buildNetworkPolicies } from "../config/networkPolicy";
import { AgentRelease } from "./agentRelease";
import { AgentServiceAccounts } from "./agentServiceAccounts";
import { backendFor } from "../backends/registry";
import type { BackendContribution } from "../backends/types";
import { createBackend } from "./backends/create";
import { agentObjectNames, serviceAccountRefs } from "../chart/names";
import { BACKEND_KWARGS_KEY, routeSecretEnv } from "../chart/secretEnv";
import {
    buildChartValues,
    componentServiceAccountAnnotations,
    componentServiceAccountAutomount,
    type ChartValues,
    type ResolvedBackend,
} from "../chart/values";
import { componentType, withLegacyAlias } from "./typeTokens";
import { MANAGED_BY_LABELS, SECRETS_VERSION_ANNOTATION } from "../config/ownedMetadata";
import { acceptedRisks } from "../config/risks";
import { secretRevisionOf } from "../config/secretRevision";
import { defaultProviderSecretsMutable, SECRET_MUTABLE_WARNING } from "../config/providerConfig";
import { acceptedRisksDescription } from "../schema/riskRecord";

export { SECRETS_VERSION_ANNOTATION };

/** The config with one more annotation on every object and pod (chart `annotations`). */
function withPodAnnotation<C extends { annotations: Record<string, string> }>(
    cfg: C,
    key: string,
    value: string | undefined,
): C {
    return value === undefined ? cfg : { ...cfg, annotations: { ...cfg.annotations, [key]: value } };
}

/**
 * Args of {@link RemoteExecutionAgent}: exactly the stack config this program reads (see docs/config-reference.md and the README's
 * config reference), so a stack file and a component call are interchangeable. Secret fields accept
 * strings or Outputs and are always treated as Pulumi secrets.
 */
export type RemoteExecutionAgentArgs = AgentConfigInput;

/** Validates component args the same way stack config is validated; throws listing every problem. */
export function parseAgentArgs(args: RemoteExecutionAgentArgs): AgentConfig {
    return parseAgentArgsWithWarnings(args).config;
}

/**
 * {@link parseAgentArgs}, also returning the warnings (e.g. dev credentials turned into secrets). A
 * config this module or the stack loader already validated (the same object) is returned as it is:
 * each construction validates once.
 */
export function parseAgentArgsWithWarnings(args: RemoteExecutionAgentArgs): {
    config: AgentConfig;
    warnings: string[];
} {
    if (isValidated(args)) {
        return { config: args as AgentConfig, warnings: [] };
    }
    const { parsed, problems, whole } = checkArgs(args);
    if (!parsed.success || problems.length > 0) {
        throw new Error(
            formatProblems(
                problems,
                `Invalid RemoteExecutionAgent args (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
            ),
        );
    }
    return { config: markValidated(parsed.data), warnings: whole?.warnings ?? [] };
}

/** Every problem of the args: shape and cross-key rules, all at once. */
function checkArgs(args: unknown) {
    const parsed = parseConfig(agentConfigSchema, args);
    const whole = parsed.success ? checkWholeConfig(parsed.data) : undefined;
    const problems = whole?.problems ?? (parsed.success ? [] : parsed.problems);
    return { parsed, problems, whole };
}

/**
 * The error a resource fails with when an arg given as an Output resolves to a value its key does not
 * accept (the same messages as for a plain value, with the full key).
 */
function deferredArgError(name: string, problems: ConfigProblem[], resource: pulumi.Resource): Error {
    return new pulumi.ResourceError(
        formatProblems(
            problems,
            `RemoteExecutionAgent '${name}': an arg given as an Output resolved to a value it does not accept; nothing that uses it was created:`,
        ),
        resource,
    );
}

/**
 * Astronomer's Remote Execution Agent in your cluster: namespace, credentials, backend (secrets,
 * XCom, identity), one ServiceAccount per component and the Helm release, all wired together.
 */
export class RemoteExecutionAgent extends pulumi.ComponentResource {
    /** Agent namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** Helm release name. */
    public readonly releaseName: pulumi.Output<string>;
    /** ServiceAccount names by component key (`worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`). */
    public readonly serviceAccountNames: Record<string, string>;
    /** Where XComs are stored (`AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`). */
    public readonly xcomPath: pulumi.Output<string>;
    /** The chart values given to Helm (contain no secret values). */
    public readonly chartValues: pulumi.Output<ChartValues>;
    /** Outputs of the backend by name (AWS: `awsRoleArn`, `awsRoleName`, `awsBucketName`; none for local and external). */
    public readonly backendOutputs: Record<string, pulumi.Output<string>>;
    /** The children, for consumers that extend the agent. */
    public readonly children: {
        namespace: AgentNamespace;
        credentials: AgentCredentials;
        serviceAccounts: AgentServiceAccounts;
        release: AgentRelease;
        /** The namespace's network policies (`networkPolicy`; absent when not enabled). */
        networkPolicy: AgentNetworkPolicy | undefined;
    };

    constructor(name: string, args: RemoteExecutionAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before anything is registered: a bad config creates nothing, not even this component.
        const parsed = parseAgentArgsWithWarnings(args);
        if (parsed.config.clusters !== undefined) {
            throw new Error(
                `RemoteExecutionAgent '${name}': clusters is set; deploy a fleet with AgentFleet (one agent per cluster), or remove clusters`,
            );
        }
        super(componentType("RemoteExecutionAgent"), name, {}, withLegacyAlias("RemoteExecutionAgent", opts));
        for (const warning of parsed.warnings) {
            void pulumi.log.warn(warning, this);
        }

        // Args given as Outputs resolve only after passing their key's check (config/wiring.ts).
        const config = gateDeferred(parsed.config, (problems) => deferredArgError(name, problems, this));
        const names = agentObjectNames({
            resourceNamePrefix: config.resourceNamePrefix,
            workers: config.workers,
            releaseName: config.release.name,
        });
        // Secret env values (and secret backend kwargs) become references to one Secret the program owns.
        const routed = routeSecretEnv(config, names.envSecret);
        const cfg = routed.config;
        const labels = { ...MANAGED_BY_LABELS, ...cfg.labels };

        const ns = new AgentNamespace(
            `${name}-namespace`,
            {
                name: cfg.namespace,
                create: cfg.createNamespace,
                restricted: cfg.restricted,
                podSecurityVersion: cfg.podSecurityVersion,
                labels,
                ...(cfg.namespaceQuota === undefined ? {} : { quota: cfg.namespaceQuota }),
                ...(cfg.namespaceLimits === undefined ? {} : { limits: cfg.namespaceLimits }),
                // Others keep Secrets in the agent namespace (secret-sync tooling): prod never deletes it.
                retainOnDelete: cfg.environment === "prod",
            },
            { parent: this },
        );

        const serviceAccounts = serviceAccountRefs(names, cfg.sentinel.enabled);
        const backendImpl = backendFor(cfg.backend.kind);
        const backend: BackendContribution = createBackend(cfg.backend, {
            name,
            parent: this,
            namespace: ns.name,
            namespaceName: cfg.namespace,
            resourceNamePrefix: cfg.resourceNamePrefix,
            environment: cfg.environment,
            serviceAccounts,
            labels,
            ...(cfg.caBundle === undefined ? {} : { caBundleFile: caBundleFile(cfg.caBundle) }),
        });

        // Which objects exist is known now (stand-ins for wiring keys); their specs once every key is.
        const policyPlan = buildNetworkPolicies(withWiringStandIns(cfg));
        let networkPolicy: AgentNetworkPolicy | undefined;
        if (policyPlan.length > 0) {
            const policyWiring = wiringOf(cfg);
            const specs = policyWiring.values.apply((w) => buildNetworkPolicies(policyWiring.fill(w)));
            networkPolicy = new AgentNetworkPolicy(
                `${name}-network-policy`,
                {
                    namespace: ns.name,
                    labels,
                    policies: policyPlan.map((p) => ({
                        ...p,
                        spec: specs.apply((list) => {
                            const found = list.find((o) => o.role === p.role && o.kind === p.kind);
                            if (found === undefined) {
                                throw new Error(`network policy '${p.name}' is no longer planned once wiring resolved`);
                            }
                            return found.spec;
                        }),
                    })),
                },
                { parent: this },
            );
        }

        const revision = secretRevisionOf(args);
        const credentials = new AgentCredentials(
            `${name}-credentials`,
            {
                namespace: ns.name,
                agentTokenSecretName: names.agentTokenSecret,
                imagePullSecretName: names.imagePullSecret,
                openLineageSecretName: names.openLineageSecret,
                labels,
                ...(cfg.agentToken === undefined ? {} : { agentToken: cfg.agentToken }),
                ...(cfg.imagePullCredentials === undefined ? {} : { imagePull: cfg.imagePullCredentials }),
                ...(cfg.imagePullFromNodes ? { imagePullFromNodes: true } : {}),
                ...(cfg.openLineage.apiKey === undefined ? {} : { openLineageApiKey: cfg.openLineage.apiKey }),
                envSecretName: names.envSecret,
                env: routed.data,
                // Known at preview when every secret value is a stack-file ciphertext (config/secretRevision.ts).
                ...(revision === undefined ? {} : { revision }),
            },
            { parent: this },
        );

        // On the default provider a rotation would replace the Secrets delete-first: say how to avoid it.
        // (A provider passed in is the consumer's: its settings are not readable here; docs/secrets.md.)
        if (
            credentials.secrets.length > 0 &&
            credentials.getProvider("kubernetes:core/v1:Secret") === undefined &&
            !defaultProviderSecretsMutable()
        ) {
            void pulumi.log.warn(SECRET_MUTABLE_WARNING, credentials);
        }

        const sas = new AgentServiceAccounts(
            `${name}-service-accounts`,
            {
                namespace: ns.name,
                serviceAccounts,
                annotations: backend.serviceAccountAnnotations,
                componentAnnotations: componentServiceAccountAnnotations(cfg),
                automount: componentServiceAccountAutomount(cfg),
                labels,
            },
            { parent: this },
        );

        const resolved = pulumi
            .output({
                secretBackend: backend.secretBackend,
                // Secret kwargs are read from the env Secret; resolving them here would make every value secret.
                secretBackendKwargs: routed.kwargsRouted ? {} : backend.secretBackendKwargs,
                xcomBackend: backend.xcomBackend,
                xcomPath: backend.xcomPath,
                commonEnv: backend.commonEnv,
                serviceAccountAnnotations: backend.serviceAccountAnnotations,
                podLabels: backend.podLabels,
                volumes: backend.volumes,
                volumeMounts: backend.volumeMounts,
            })
            .apply((b): ResolvedBackend => ({
                ...(b as ResolvedBackend),
                ...(routed.kwargsRouted
                    ? { secretBackendKwargsRef: { name: names.envSecret, key: BACKEND_KWARGS_KEY } }
                    : {}),
            }));
        // Validation refused user env the backend declared it sets; hold the backend to that declaration.
        const declared = new Set(backendImpl.envNames(cfg.backend).map((o) => o.name));
        // Rotating a Secret the program manages changes this pod annotation (never its content into values):
        // the agent pods roll and read the new value. From the stack file's ciphertexts it is known at
        // preview; otherwise it follows the Secrets' resourceVersions (components/agentCredentials.ts).
        // Wiring keys given as Outputs (the namespace, identities…) are known here, checked.
        const wiring = wiringOf(cfg);
        // Args given as Outputs passed their own key's check; once all are known the whole config is
        // checked again (rules across keys, e.g. prod refuses a floating image tag) before Helm gets it.
        const recheck = deferredValues(parsed.config).length > 0 ? wiringOf(config) : undefined;
        const values = pulumi
            .all([resolved, credentials.secretsVersion, wiring.values, recheck?.values ?? []])
            .apply(([b, version, wired, rechecked]) => {
                if (recheck !== undefined) {
                    const problems = checkArgs(recheck.fill(rechecked)).problems;
                    if (problems.length > 0) {
                        throw deferredArgError(name, problems, this);
                    }
                }
                const undeclared = b.commonEnv.map((e) => e.name).filter((n) => !declared.has(n));
                if (undeclared.length > 0) {
                    throw new pulumi.ResourceError(
                        `backend '${cfg.backend.kind}' set commonEnv ${undeclared.join(", ")} without declaring it in envNames(); fix the backend`,
                        this,
                    );
                }
                return buildChartValues(
                    withPodAnnotation(wiring.fill(wired), SECRETS_VERSION_ANNOTATION, version),
                    names,
                    b,
                );
            });

        // Accepted prod risks are recorded on the release, where the policy pack and preview summaries read them.
        const riskRecord = acceptedRisksDescription(acceptedRisks(parsed.config));
        const release = new AgentRelease(
            `${name}-release`,
            {
                releaseName: names.release,
                namespace: ns.name,
                chart: cfg.chart,
                values,
                atomic: cfg.release.atomic,
                timeoutSeconds: cfg.release.timeoutSeconds,
                skipAwait: cfg.release.skipAwait,
                maxHistory: cfg.release.maxHistory,
                ...(riskRecord === undefined ? {} : { description: riskRecord }),
                ...(cfg.createNamespace || ns.namespace === undefined
                    ? {}
                    : { adoptedNamespace: { name: ns.name, labels: ns.namespace.metadata.labels } }),
            },
            {
                parent: this,
                dependsOn: [...credentials.secrets, ...Object.values(sas.accounts), ...backend.dependsOn],
            },
        );

        this.namespace = ns.name;
        this.releaseName = release.releaseName;
        this.serviceAccountNames = sas.names;
        this.chartValues = release.values;
        this.xcomPath = pulumi.output(backend.xcomPath);
        this.backendOutputs = backend.outputs ?? {};
        this.children = { namespace: ns, credentials, serviceAccounts: sas, release, networkPolicy };
        this.registerOutputs({
            namespace: this.namespace,
            releaseName: this.releaseName,
            serviceAccountNames: this.serviceAccountNames,
            xcomPath: this.xcomPath,
            ...this.backendOutputs,
        });
    }
}
