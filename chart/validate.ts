// The full validation of the config: the whole-config checks (secrets by property, XCom expiry, extra
// values that would undo the wiring, the pod guard, and the tenant quota and limit range, which both run the values builder) on top of the config
// layer's schema and rules, shared by stack config and component args (RemoteExecutionAgent); and the
// stack-config entry points that run it.
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../config/errors";
import {
    readRawConfig,
    validateRawConfig,
    type ConfigResult,
    type RawStackConfig,
    type WholeConfigResult,
} from "../config/load";
import { riskWarnings } from "../config/risks";
import { judgementWarnings } from "../config/rules/judgements";
import { xcomWarnings } from "../config/rules/xcomExpiry";
import type { AgentConfig } from "../config/schema";
import { applySecrecy, type SecurePaths } from "../config/secrecy";
import { redactCredentials } from "../config/credentials";
import { chartCredentialProblems } from "./credentialScan";
import { fileMountProblems } from "./fileMounts";
import { sizeProblems } from "./limits";
import { extraValuesOwnership } from "./ownership";
import { podIdentityProblems, podSecurityProblems } from "./podGuard";
import { tenantProblems } from "./tenantQuota";

/**
 * Runs the whole-config checks on a parsed config. Secret values set with `secure:` (given by
 * `securePaths`) or credential-shaped strings that can be routed into a Kubernetes Secret are wrapped
 * as Pulumi secrets in place; everything else that would leak is refused.
 */
export function checkWholeConfig(cfg: AgentConfig, securePaths?: SecurePaths): WholeConfigResult {
    const secrecy = applySecrecy(cfg, cfg.environment, securePaths);
    const ownership = extraValuesOwnership(cfg);
    const chart = chartCredentialProblems(cfg, new Set(secrecy.problems.map((p) => p.key)));
    // Pod Security Standards over the final values. The typed-key floor (config/rules/restrictedFloor.ts)
    // runs with the schema, and these checks only run on a config that passed it, so a problem is
    // never reported by both.
    const podSecurity = [...podSecurityProblems(cfg), ...podIdentityProblems(cfg)];
    // Messages never quote a value, and whatever the detector judges a credential is masked regardless.
    return {
        problems: [
            ...secrecy.problems,
            ...ownership,
            ...chart,
            ...podSecurity,
            ...fileMountProblems(cfg),
            ...tenantProblems(cfg),
            ...sizeProblems(cfg),
        ].map((p) => ({
            key: redactCredentials(p.key),
            message: redactCredentials(p.message),
        })),
        warnings: [...secrecy.warnings, ...xcomWarnings(cfg), ...judgementWarnings(cfg), ...riskWarnings(cfg)].map(
            redactCredentials,
        ),
    };
}

/** Validates raw stack config with every check (see `validateRawConfig`). */
export function validateStackConfig(raw: RawStackConfig): ConfigResult {
    return validateRawConfig(raw, checkWholeConfig);
}

/** Reads and validates the running stack's config; throws a `ConfigValidationError` listing every problem. */
export function loadStackConfig(raw: RawStackConfig = readRawConfig()): AgentConfig {
    const result = validateStackConfig(raw);
    for (const w of result.warnings) {
        void pulumi.log.warn(w);
    }
    if (!result.ok) {
        throw new ConfigValidationError(
            result.problems,
            `Invalid stack config for project '${raw.project}', stack '${raw.stack}' (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}); nothing was created:`,
        );
    }
    return result.config;
}
