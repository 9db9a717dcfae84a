// `automountServiceAccountToken: false` (on a component or inherited from podDefaults) where a pod
// needs the Kubernetes API token the API server would otherwise mount. The backends' identities do
// not: AKS and EKS webhooks inject their own projected token volume, Vault's login token is a volume
// the program projects, and GKE uses the metadata server.
import { formatPath } from "../errors";
import { effectivePodSettings, type PodSettingsView } from "../podSettings";
import type { ConfigRule, Issue } from "./rule";

const VAULT_INJECT = "vault.hashicorp.com/agent-inject";
const VAULT_TOKEN_VOLUME = "vault.hashicorp.com/agent-service-account-token-volume-name";

/** The key that decides a component's automount: its own when set, else podDefaults'. */
function automountKey(path: (string | number)[], own: PodSettingsView): (string | number)[] {
    return own.automountServiceAccountToken === undefined
        ? ["podDefaults", "automountServiceAccountToken"]
        : [...path, "automountServiceAccountToken"];
}

function refuse(issue: Issue, path: (string | number)[], own: PodSettingsView, component: string, why: string) {
    const inherited = own.automountServiceAccountToken === undefined;
    issue(
        automountKey(path, own),
        `is false${inherited ? `, which ${component} inherits` : ""}, but ${why}; set ${formatPath([...path, "automountServiceAccountToken"])}: true (a policy that disables automount then needs an exemption for it)`,
    );
}

export const podSettingsRule: ConfigRule = {
    reads: ["podDefaults", "workers", "sentinel", "dagProcessor", "triggerer", "annotations"],
    check(cfg, issue) {
        const defaults = cfg.podDefaults;
        const off = (own: PodSettingsView) =>
            effectivePodSettings(defaults, own).automountServiceAccountToken === false;
        if (cfg.sentinel.enabled && off(cfg.sentinel)) {
            refuse(
                issue,
                ["sentinel"],
                cfg.sentinel,
                "sentinel",
                "Sentinel lists and watches the agent pods through the Kubernetes API with its ServiceAccount token",
            );
        }
        cfg.workers.forEach((w, i) => {
            if (w.canUseKubernetesPodOperator && off(w)) {
                refuse(
                    issue,
                    ["workers", i],
                    w,
                    `workers[${i}] ('${w.name}')`,
                    "canUseKubernetesPodOperator is true and the KubernetesPodOperator creates its pods through the Kubernetes API with the worker's ServiceAccount token",
                );
            }
        });
        const injected = cfg.annotations[VAULT_INJECT] === "true" && cfg.annotations[VAULT_TOKEN_VOLUME] === undefined;
        const anyOff = [cfg.dagProcessor, cfg.triggerer, ...cfg.workers].some(off);
        if (injected && anyOff) {
            issue(
                ["annotations", VAULT_TOKEN_VOLUME],
                `is required when automountServiceAccountToken is false: the Vault Agent injector (${formatPath(["annotations", VAULT_INJECT])}) logs in with the pod's ServiceAccount token, and no token is mounted; add a projected serviceAccountToken volume to the components' volumes and name it here, for example '${VAULT_TOKEN_VOLUME}': vault-token`,
            );
        }
    },
};
