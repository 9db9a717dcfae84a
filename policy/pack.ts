// The pack entry: `pulumi preview --policy-pack policy [--policy-pack-config policy/config/<env>.json]`.
// Constructing the PolicyPack serves the policies to the engine; everything else lives in policies.ts.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("astro-agent", {
    description: "What a change to the Remote Execution Agent program may not weaken.",
    enforcementLevel: "mandatory",
    policies,
});
