// Kubernetes resource quantities and container resource names, checked the way the API server checks
// them (k8s.io/apimachinery/pkg/api/resource and the core/v1 validation of container resources).

/**
 * The quantity grammar of `k8s.io/apimachinery` (`resource.ParseQuantity`):
 * `[+-]` number (`1`, `1.5`, `1.`, `.5`) then one suffix: binary SI (`Ki`…`Ei`), a decimal
 * exponent (`e3`, `E-2`) or decimal SI (`n`, `u`, `m`, none, `k`, `M`, `G`, `T`, `P`, `E`).
 */
const QUANTITY =
    /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E))?$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Example quantities shown in messages. */
export const QUANTITY_EXAMPLES = "500m, 2, 0.5, 1Gi, 512Mi or 1e3";

/** A parsed quantity: its value as a float (enough to compare requests with limits). */
export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

/** Parses a quantity string or number; `reason` says what is wrong (without the value). */
export function parseQuantity(input: string | number): QuantityResult {
    if (typeof input === "number") {
        if (!Number.isFinite(input)) {
            return { ok: false, reason: "is not a finite number" };
        }
        return input < 0 ? { ok: false, reason: "must not be negative" } : { ok: true, value: input };
    }
    const m = QUANTITY.exec(input);
    if (m === null) {
        return { ok: false, reason: "is not a Kubernetes quantity" };
    }
    const [, sign, digits, binary, exponent, decimal] = m;
    let value = Number(digits);
    if (binary !== undefined) {
        value *= BINARY[binary] ?? 1;
    } else if (exponent !== undefined) {
        value *= 10 ** Number(exponent);
    } else if (decimal !== undefined) {
        value *= 10 ** (DECIMAL[decimal] ?? 0);
    }
    if (!Number.isFinite(value)) {
        return { ok: false, reason: "is too large for a Kubernetes quantity" };
    }
    if (sign === "-" && value !== 0) {
        return { ok: false, reason: "must not be negative" };
    }
    return { ok: true, value };
}

/** The resource names every container may request. */
export const STANDARD_RESOURCES = ["cpu", "memory", "ephemeral-storage"] as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The kind of a container resource name, or why Kubernetes would refuse it. */
export type ResourceNameResult =
    { ok: true; kind: "standard" | "hugepages" | "extended" } | { ok: false; reason: string };

/**
 * Checks a key under `resources.requests` / `resources.limits`: `cpu`, `memory`, `ephemeral-storage`,
 * `hugepages-<size>` or an extended resource `<domain>/<name>` outside `kubernetes.io`
 * (core/v1 `validateContainerResourceName`).
 */
export function checkResourceName(
    name: string,
    suggest: (key: string, known: readonly string[]) => string | undefined,
): ResourceNameResult {
    const expected =
        "cpu, memory, ephemeral-storage, hugepages-<size> (for example hugepages-2Mi) or an extended resource <domain>/<name> (for example nvidia.com/gpu)";
    if ((STANDARD_RESOURCES as readonly string[]).includes(name)) {
        return { ok: true, kind: "standard" };
    }
    if (name.startsWith("hugepages-")) {
        const size = parseQuantity(name.slice("hugepages-".length));
        return size.ok && size.value > 0
            ? { ok: true, kind: "hugepages" }
            : {
                  ok: false,
                  reason: `'${name}' is not a huge page size; use hugepages-<size> such as hugepages-2Mi or hugepages-1Gi`,
              };
    }
    const slash = name.indexOf("/");
    if (slash < 0) {
        const hint = suggest(name, STANDARD_RESOURCES);
        return {
            ok: false,
            reason:
                hint === undefined
                    ? `'${name}' is not a container resource; use ${expected}`
                    : `'${name}' is not a container resource; did you mean '${hint}'?`,
        };
    }
    const domain = name.slice(0, slash);
    const local = name.slice(slash + 1);
    if (domain.length > 253 || !DNS_SUBDOMAIN.test(domain) || local.length > 63 || !QUALIFIED_NAME_PART.test(local)) {
        return { ok: false, reason: `'${name}' is not a valid resource name; use ${expected}` };
    }
    if (domain === "kubernetes.io" || domain.endsWith(".kubernetes.io")) {
        return {
            ok: false,
            reason: `'${name}' is in the reserved kubernetes.io domain; containers may only request ${expected}`,
        };
    }
    return { ok: true, kind: "extended" };
}
