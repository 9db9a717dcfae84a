// Moving the XCom store makes every XCom written before the move unreadable (tasks that pull them
// fail). The stack remembers where XComs went (output `xcomPath`); a change warns on preview and up.
import * as pulumi from "@pulumi/pulumi";

/** The warning for a move from `previous` to `next`, or undefined when nothing moved. */
export function xcomMoveWarning(previous: unknown, next: string | undefined): string | undefined {
    if (typeof previous !== "string" || previous === "" || next === undefined || previous === next) {
        return undefined;
    }
    return `the XCom store moves from ${previous} to ${next} (backend bucket or xcom prefix changed): XComs written before this update stay at the old location and become unreadable; tasks that pull them (retries, cleared tasks, running DAG runs) fail. Let running DAG runs finish first, or copy the old objects to the new location.`;
}

/**
 * Compares this stack's previous `xcomPath` output (read through a StackReference to the stack
 * itself) with the new one, and warns when they differ. `stackName` defaults to this stack.
 */
export function warnOnXcomMove(
    xcomPath: pulumi.Output<string>,
    parent?: pulumi.Resource,
    stackName = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
): pulumi.Output<void> {
    const self = new pulumi.StackReference(`xcom-guard-${pulumi.getStack()}`, { name: stackName }, { parent });
    return pulumi.all([self.getOutput("xcomPath"), xcomPath]).apply(([previous, next]) => {
        const warning = xcomMoveWarning(previous, next);
        if (warning !== undefined) {
            void pulumi.log.warn(warning, parent);
        }
    });
}
