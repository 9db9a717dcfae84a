// networkPolicy keys that only one flavor reads are refused with the others, so none is silently ignored.
import type { ConfigRule } from "./rule";

export const networkPolicyRule: ConfigRule = {
    reads: ["networkPolicy"],
    check(cfg, issue) {
        const np = cfg.networkPolicy;
        if (np.flavor !== "kubernetes" && np.egressCidrs.length > 0) {
            issue(
                ["networkPolicy", "egressCidrs"],
                `is only read by flavor 'kubernetes'; flavor '${np.flavor}' allows the hosts the config names by name: list more in networkPolicy.fqdns (e.g. ['*.example.com']) and remove egressCidrs, or set flavor: kubernetes`,
            );
        }
        if (np.flavor === "kubernetes" && np.fqdns.length > 0) {
            issue(
                ["networkPolicy", "fqdns"],
                "is only read by flavors 'cilium' and 'calico' (a Kubernetes NetworkPolicy cannot name hosts): set flavor: cilium or calico, or list the hosts' ranges in networkPolicy.egressCidrs (e.g. ['203.0.113.0/24']) instead",
            );
        }
    },
};
