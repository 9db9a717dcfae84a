// The SDK-free parts every backend shares: schema helpers, names, prefix and store rules, identity subjects.
export * from "./identity";
export * from "./names";
export * from "./risks";
export * from "./schema";
export * from "./secrets";
export * from "./stores";
export * from "./xcom";
export * from "./taskLogs";
export * from "./grants";
