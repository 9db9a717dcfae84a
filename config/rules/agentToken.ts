// Exactly one agent-token source.
import { countSet } from "./parts";
import type { ConfigRule } from "./rule";

export const agentTokenRule: ConfigRule = {
    reads: ["agentToken", "agentTokenSecretName", "agentTokenFile"],
    check(cfg, issue) {
        const tokenSources = countSet(cfg.agentToken, cfg.agentTokenSecretName, cfg.agentTokenFile);
        if (tokenSources !== 1) {
            issue(
                ["agentToken"],
                tokenSources === 0
                    ? "no agent token: set exactly one of agentToken (pulumi config set --secret agentToken <token>), agentTokenSecretName or agentTokenFile"
                    : "set exactly one of agentToken, agentTokenSecretName and agentTokenFile",
            );
        }
    },
};
