// What every cloud backend shares: child scope and prod retention, secret prefixes and seeding,
// identity subjects, data-store rules, deterministic names and tags. Azure and GCP reuse these; only the cloud resources differ.
export * from "./identity";
export * from "./names";
export * from "./schema";
export * from "./scope";
export * from "./secrets";
export * from "./stores";
