// Wiring keys of the top level given as Outputs (tests/lib/wiring.ts runs the three cases of each).
import { describeWiring } from "../lib/wiring";
import { AGENT_TOKEN, baseValues } from "../fixtures/config";

function args(): Record<string, unknown> {
    return { ...baseValues(), agentToken: AGENT_TOKEN };
}

describeWiring("top-level wiring keys", [{ path: ["namespace"], args, invalid: "Not_A_Namespace" }]);
