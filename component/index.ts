// Entry of the component package: Pulumi hosts every ComponentResource class exported here and infers
// the schema from its TypeScript declarations (the compiled package's .d.ts). The `.js` specifier
// resolves whether the host compiles this file to CommonJS or to an ES module.
export { RemoteAgent } from "../dist/components/remoteAgent.js";
