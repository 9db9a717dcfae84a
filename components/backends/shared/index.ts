// What every cloud backend shares: child scope and prod retention, secret prefixes and seeding,
// identity subjects, data-store rules, deterministic names and tags, the XCom URL of stores a backend does not create. Azure, GCP and Vault reuse these.
export * from "./identity";
export * from "./names";
export * from "./schema";
export * from "./scope";
export * from "./secrets";
export * from "./stores";
export * from "./xcom";
export * from "./deferred";
