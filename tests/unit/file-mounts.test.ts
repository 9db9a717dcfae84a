// Credentials the agent reads from a file: `agentTokenFile` must sit inside a volume that every
// component reading it mounts (each worker, the dag processor, the triggerer, Sentinel when enabled),
// judged on the final chart values (the components' volumes, the Vault agent injector's folder).
import * as assert from "node:assert/strict";
import { validateStackConfig } from "../../chart/validate";
import { mountCovers } from "../../chart/fileMounts";
import { BASE_SECRET_KEYS, baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

const FILE = "/var/run/secrets/astro/token";
const VOLUME = {
    name: "agent-token",
    csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "astro" } },
};
const MOUNT = { name: "agent-token", mountPath: "/var/run/secrets/astro", readOnly: true };
const mounted = { volumes: [VOLUME], volumeMounts: [MOUNT] };

function withTokenFile(change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    delete v.agentToken;
    v.agentTokenFile = FILE;
    change(v);
    return v;
}

function problems(v: Values): { key: string; message: string }[] {
    const r = validateStackConfig(
        raw(
            v,
            BASE_SECRET_KEYS.filter((k) => k in v),
        ),
    );
    return r.ok ? [] : r.problems;
}

const message = (components: string, first = "workers[0]") =>
    `'${FILE}' is read by every agent component, Sentinel included, but no volume is mounted at that path or a folder above it in ${components}; mount the volume holding the token there in each (e.g. ${first}.volumes: [{name: agent-token, csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: astro-agent-token}}}] and ${first}.volumeMounts: [{name: agent-token, mountPath: <folder of the file>, readOnly: true}]), or use agentTokenSecretName`;

describe("agentTokenFile: every reading component mounts it", () => {
    it("refuses a token file no component mounts, naming each component", () => {
        assert.deepEqual(problems(withTokenFile()), [
            { key: "agentTokenFile", message: message("workers[0], dagProcessor, triggerer, sentinel") },
        ]);
    });

    it("names exactly the components without the mount (Sentinel included)", () => {
        const v = withTokenFile((c) => {
            c.workers = [
                { name: "a", ...mounted },
                { name: "b", queues: ["b"] },
            ];
            c.dagProcessor = mounted;
            c.triggerer = mounted;
        });
        assert.deepEqual(problems(v), [
            { key: "agentTokenFile", message: message("workers[1], sentinel", "workers[1]") },
        ]);
    });

    it("accepts the file when every component mounts it (Sentinel through its typed volumes)", () => {
        const v = withTokenFile((c) => {
            c.workers = [{ name: "default-worker", ...mounted }];
            c.dagProcessor = mounted;
            c.triggerer = mounted;
            c.sentinel = mounted;
        });
        assert.deepEqual(problems(v), []);
    });

    it("Sentinel disabled: not required", () => {
        const v = withTokenFile((c) => {
            c.workers = [{ name: "default-worker", ...mounted }];
            c.dagProcessor = mounted;
            c.triggerer = mounted;
            c.sentinel = { enabled: false };
        });
        assert.deepEqual(problems(v), []);
    });

    it("a mount of a volume the pod does not have does not count", () => {
        const v = withTokenFile((c) => {
            c.workers = [{ name: "default-worker", ...mounted }];
            c.dagProcessor = mounted;
            c.triggerer = mounted;
            c.sentinel = { volumeMounts: [MOUNT] };
        });
        assert.deepEqual(problems(v), [{ key: "agentTokenFile", message: message("sentinel", "sentinel") }]);
    });

    it("the Vault agent injector's folder counts on pods annotated for injection", () => {
        const inject = { "vault.hashicorp.com/agent-inject": "true" };
        assert.deepEqual(
            problems(
                withTokenFile((c) => {
                    c.agentTokenFile = "/vault/secrets/agent-token";
                    c.annotations = inject;
                }),
            ),
            [],
        );
        assert.deepEqual(
            problems(
                withTokenFile((c) => {
                    c.agentTokenFile = "/etc/astro/agent-token";
                    c.annotations = { ...inject, "vault.hashicorp.com/secret-volume-path-astro": "/etc/astro" };
                }),
            ),
            [],
        );
        // Without the injection annotation, /vault/secrets is just a path.
        const refused = problems(withTokenFile((c) => (c.agentTokenFile = "/vault/secrets/agent-token")));
        assert.deepEqual(
            refused.map((p) => p.key),
            ["agentTokenFile"],
        );
    });
});

describe("mountCovers (generated paths)", () => {
    /** Seeded generator (mulberry32). */
    function rng(seed: number): () => number {
        let a = seed;
        return () => {
            a = (a + 0x6d2b79f5) | 0;
            let t = Math.imul(a ^ (a >>> 15), 1 | a);
            t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
            return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
    }
    const SEGMENTS = ["var", "run", "secrets", "astro", "vault", "token", "a", "a-b", "csi"];

    it("a folder mount covers exactly the paths below it; a subPath mount exactly its own path", () => {
        for (let seed = 1; seed <= 300; seed++) {
            const r = rng(seed);
            const seg = () => SEGMENTS[Math.floor(r() * SEGMENTS.length)] ?? "x";
            const dir = `/${Array.from({ length: 1 + Math.floor(r() * 3) }, seg).join("/")}`;
            const below = `${dir}/${Array.from({ length: 1 + Math.floor(r() * 2) }, seg).join("/")}`;
            const sibling = `${dir}${seg()}/token`; // shares the prefix as a string, not as a folder
            const elsewhere = `/other${dir}`;
            assert.equal(mountCovers(dir, false, below), true, `${dir} covers ${below}`);
            assert.equal(mountCovers(`${dir}/`, false, below), true, `${dir}/ covers ${below}`);
            assert.equal(mountCovers(dir, false, sibling), false, `${dir} does not cover ${sibling}`);
            assert.equal(mountCovers(dir, false, elsewhere), false, `${dir} does not cover ${elsewhere}`);
            assert.equal(mountCovers(below, true, below), true, `subPath mount at ${below} is that file`);
            assert.equal(mountCovers(dir, true, below), false, `subPath mount at ${dir} is a file, not a folder`);
        }
    });
});
