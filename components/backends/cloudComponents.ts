// The one place a cloud backend's component module, and with it its cloud SDK, is loaded: on first
// use, so validating any config, and a stack with another backend, never loads that SDK
// (tests/unit/lazy-sdk.test.ts). The backend factories (create.ts) and the package's exported
// component getters (components/index.ts) both load through it.
import type * as aws from "./aws";
import type * as azure from "./azure";
import type * as gcp from "./gcp";
import type * as vault from "./vault";

/* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose: see the file comment */
export const cloudComponents = {
    aws: (): typeof aws => require("./aws") as typeof aws,
    azure: (): typeof azure => require("./azure") as typeof azure,
    gcp: (): typeof gcp => require("./gcp") as typeof gcp,
    vault: (): typeof vault => require("./vault") as typeof vault,
};
/* eslint-enable @typescript-eslint/no-require-imports */
