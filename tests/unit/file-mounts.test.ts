// Credentials the agent reads from a file: `agentTokenFile` must sit inside a volume that every
// component reading it mounts (each worker, the dag processor, the triggerer, Sentinel when enabled),
// judged on the final chart values (the components' volumes, the Vault agent injector's folder).
import * as assert from "node:assert/strict";
import { validateStackConfig } from "../../chart/validate";
import { mountCovers } from "../../chart/fileMounts";
import { BASE_SECRET_KEYS, baseValues, raw } from "../fixtures/config";
import { rng } from "../lib/seeded";

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

describe("openLineage.configFile: the OpenLineage client config from a volume", () => {
    const OL_FILE = "/vault/secrets/openlineage.yml";
    const OL_VOLUME = { name: "openlineage", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true } };
    const OL_MOUNT = { name: "openlineage", mountPath: "/vault/secrets", readOnly: true };
    const olMounted = { volumes: [OL_VOLUME], volumeMounts: [OL_MOUNT] };
    const withConfigFile = (change: (v: Values) => void = () => undefined): Values => {
        const v = baseValues();
        v.openLineage = { enabled: true, configFile: OL_FILE };
        change(v);
        return v;
    };
    const olMessage = (components: string, first = "workers[0]") =>
        `'${OL_FILE}' is read by every component that runs Airflow code (workers, dag processor, triggerer), but no volume is mounted at that path or a folder above it in ${components}; mount the volume holding the file there in each (e.g. ${first}.volumes: [{name: openlineage, csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: astro-openlineage}}}] and ${first}.volumeMounts: [{name: openlineage, mountPath: <folder of the file>, readOnly: true}]), or use openLineage.apiKeySecretName`;

    it("refuses a config file no Airflow component mounts; Sentinel does not read it", () => {
        assert.deepEqual(problems(withConfigFile()), [
            { key: "openLineage.configFile", message: olMessage("workers[0], dagProcessor, triggerer") },
        ]);
        const v = withConfigFile((c) => {
            c.workers = [{ name: "default-worker", ...olMounted }];
            c.triggerer = olMounted;
        });
        assert.deepEqual(problems(v), [
            { key: "openLineage.configFile", message: olMessage("dagProcessor", "dagProcessor") },
        ]);
    });

    it("the Vault agent injector's folder counts on pods annotated for injection", () => {
        const v = withConfigFile((c) => {
            c.annotations = { "vault.hashicorp.com/agent-inject": "true" };
        });
        assert.deepEqual(problems(v), []);
    });

    it("is one of the three key sources, exactly one when enabled", () => {
        assert.deepEqual(
            problems(
                withConfigFile((c) => {
                    c.workers = [{ name: "default-worker", ...olMounted }];
                    c.dagProcessor = olMounted;
                    c.triggerer = olMounted;
                    c.openLineage = { enabled: true, configFile: OL_FILE, apiKeySecretName: "ol-key" };
                }),
            ),
            [
                {
                    key: "openLineage.apiKey",
                    message:
                        "set exactly one of openLineage.apiKey (pulumi config set --secret --path openLineage.apiKey <token>), openLineage.apiKeySecretName and openLineage.configFile when OpenLineage is enabled",
                },
            ],
        );
        assert.deepEqual(problems(withConfigFile((c) => (c.openLineage = { enabled: false, configFile: OL_FILE }))), [
            {
                key: "openLineage.enabled",
                message: "is false but an API key is configured; set enabled: true or remove the key",
            },
        ]);
    });

    it("OPENLINEAGE_CONFIG belongs to the program: a hand-written entry is refused naming the key", () => {
        const v = withConfigFile((c) => {
            c.workers = [{ name: "default-worker", ...olMounted }];
            c.dagProcessor = olMounted;
            c.triggerer = olMounted;
            c.commonEnv = [{ name: "OPENLINEAGE_CONFIG", value: "/etc/ol.yml" }];
        });
        assert.deepEqual(problems(v), [
            {
                key: "commonEnv[0].name",
                message: "'OPENLINEAGE_CONFIG' is generated by this program; set 'openLineage.configFile' instead",
            },
        ]);
    });
});
