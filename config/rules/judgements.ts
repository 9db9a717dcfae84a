// Warnings, not refusals: values the platforms accept but that are usually a mistake. Each names the
// key and what to do instead.
import type { AgentConfig } from "../schema";

/** Dotted S3 bucket names, and plain-`http` Git repositories in prod. */
export function judgementWarnings(cfg: AgentConfig): string[] {
    const warnings: string[] = [];
    const backend = cfg.backend as { kind: string; xcom?: { bucketName?: unknown } };
    const bucket = backend.xcom?.bucketName;
    if (backend.kind === "aws" && typeof bucket === "string" && bucket.includes(".")) {
        warnings.push(
            `backend.xcom.bucketName: '${bucket}' contains '.': S3 cannot serve a dotted bucket over virtual-hosted HTTPS (the wildcard certificate does not match) nor with Transfer Acceleration; prefer '-' (${bucket.replace(/\./g, "-")})`,
        );
    }
    if (cfg.environment === "prod") {
        cfg.dagBundles.forEach((b, i) => {
            if (b.type === "git" && b.repoUrl?.toLowerCase().startsWith("http://") === true) {
                warnings.push(
                    `dagBundles[${i}].repoUrl: plain http:// in prod: the DAG code and any credentials of the clone travel unencrypted and can be altered on the way; use https:// or ssh://`,
                );
            }
        });
    }
    return warnings;
}
