// Configs that were validated whole (stack config by load.ts, component args by the component's
// parse): a component handed one of these does not validate it again, so each construction
// validates once (the program, a fleet's clusters and the multi-language facade pass them on).
const validated = new WeakSet();

/** Records that `config` passed the whole validation; returns it. */
export function markValidated<T extends object>(config: T): T {
    validated.add(config);
    return config;
}

/** Whether `config` is an object {@link markValidated} recorded (the same object, not a copy). */
export function isValidated(config: unknown): boolean {
    return config !== null && typeof config === "object" && validated.has(config);
}
