// The prod weakenings an AWS backend config can make (acknowledged in `acceptRisks`).
import { SHORT_SECRET_RECOVERY } from "../shared/risks";
import type { RiskDefinition, Weakening } from "../types";
import type { AwsBackendConfig } from "./schema";

/** Secrets Manager's shortest recovery window; 0 deletes at once. */
export const MIN_RECOVERY_WINDOW_DAYS = 7;

/**
 * An AWS-managed policy (account `aws`) of one of the tiers that grant everything on a service or on
 * the account: `…FullAccess`, `…AdministratorAccess`, `…PowerUserAccess` (also with a `-<variant>`
 * suffix) and the `…Administrator` job-function policies. Customer-managed policies cannot be judged
 * by their ARN and are not flagged.
 */
const BROAD_MANAGED_POLICY =
    /^arn:aws[a-z-]*:iam::aws:policy\/(?:[^/]+\/)*([^/]*(?:(?:Full|Administrator|PowerUser)Access(?![a-z])[^/]*|Administrator))$/;

/** The policy name when `arn` is a broad AWS-managed policy (see {@link BROAD_MANAGED_POLICY}). */
export function broadManagedPolicyName(arn: string): string | undefined {
    return BROAD_MANAGED_POLICY.exec(arn)?.[1];
}

export const AWS_RISKS: readonly RiskDefinition[] = [
    {
        id: "broadManagedPolicy",
        allows: "`backend.managedPolicyArns` to attach an AWS-managed policy of a full-access tier (`…FullAccess`, `…AdministratorAccess`, `…PowerUserAccess`, job-function `…Administrator`) to the agent's role",
        why: "every task the agent runs gets those permissions: a DAG (or whoever can change one) can then act on the whole service or account",
    },
    SHORT_SECRET_RECOVERY,
];

export function awsWeakenings(cfg: AwsBackendConfig): Weakening[] {
    const found: Weakening[] = [];
    cfg.managedPolicyArns.forEach((arn, i) => {
        const name = broadManagedPolicyName(arn);
        if (name !== undefined) {
            found.push({
                risk: "broadManagedPolicy",
                path: ["backend", "managedPolicyArns", i],
                found: `attaches the full-access AWS managed policy '${name}' to the agent's role`,
                safer: "attach a policy scoped to the resources and actions the DAGs need",
            });
        }
    });
    const days = cfg.secretsManager.recoveryWindowInDays;
    if (days !== undefined && days < MIN_RECOVERY_WINDOW_DAYS) {
        found.push({
            risk: SHORT_SECRET_RECOVERY.id,
            path: ["backend", "secretsManager", "recoveryWindowInDays"],
            found: `is ${days}: a deleted seeded secret is gone at once`,
            safer: `set it to at least ${MIN_RECOVERY_WINDOW_DAYS} (or leave it unset: 30 in prod)`,
        });
    }
    return found;
}
