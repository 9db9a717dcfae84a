// Entry of the component package: Pulumi hosts every ComponentResource class exported here and infers
// the schema from its TypeScript declarations (the compiled package's .d.ts).
export { RemoteAgent } from "../dist/components/remoteAgent";
