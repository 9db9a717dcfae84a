// `backend.grants: none` on GCP: which stores the config makes the program create (refused then). The
// owner's document itself is `gcpOwnerGrants` of policies.ts.
import type { CreatedStore } from "../shared/grants";
import type { GcpBackendConfig } from "./schema";

/** What this config makes the program create among the stores. */
export function gcpCreatedStores(cfg: GcpBackendConfig): CreatedStore[] {
    const sm = cfg.secretManager;
    const seeded = Object.keys(sm.connections).length > 0 ? "connections" : "variables";
    return [
        ...(cfg.xcom.existingBucket
            ? []
            : [
                  {
                      path: ["xcom", "existingBucket"],
                      what: "the XCom bucket",
                      instead: "set xcom.existingBucket: true with xcom.bucketName",
                  },
              ]),
        ...(Object.keys(sm.connections).length + Object.keys(sm.variables).length > 0
            ? [
                  {
                      path: ["secretManager", seeded],
                      what: "each seeded secret (secretManager.connections, secretManager.variables)",
                      instead: "have the owner create them under secretManager.connectionsPrefix and variablesPrefix",
                  },
              ]
            : []),
        ...(cfg.encryption.kind === "createKey"
            ? [
                  {
                      path: ["encryption", "kind"],
                      what: "the Cloud KMS key",
                      instead: "set encryption.kind: googleManaged (an existing bucket keeps its own encryption)",
                  },
              ]
            : []),
    ];
}
