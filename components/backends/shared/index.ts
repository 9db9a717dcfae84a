// What backend components share: the SDK-free helpers (backends/shared) plus resource scopes and deferred loading.
export * from "../../../backends/shared";
export * from "./scope";
export * from "./deferred";
