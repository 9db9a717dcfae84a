// What backend components share: the SDK-free helpers (backends/shared) plus resource scopes.
export * from "../../../backends/shared";
export * from "./scope";
export * from "./taskLogs";
