// Moving the XCom store makes every XCom written before the move unreadable (tasks that pull them
// fail). A hook on the Helm release compares the XCom path of the deployed values with the new one
// and warns, in preview and in up, before the release is updated.
import * as pulumi from "@pulumi/pulumi";

/** The env var that carries the XCom location in the chart values (`commonEnv`). */
export const XCOM_PATH_ENV = "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH";

/** The warning for a move from `previous` to `next`, or undefined when nothing moved. */
export function xcomMoveWarning(previous: unknown, next: unknown): string | undefined {
    if (typeof previous !== "string" || previous === "" || typeof next !== "string" || previous === next) {
        return undefined;
    }
    return `the XCom store moves from ${previous} to ${next} (backend bucket or xcom prefix changed): XComs written before this update stay at the old location and become unreadable; tasks that pull them (retries, cleared tasks, running DAG runs) fail. Let running DAG runs finish first, or copy the old objects to the new location.`;
}

/** The XCom path in a Helm release's inputs (`values.commonEnv[].name == XCOM_PATH_ENV`), if plain. */
export function xcomPathOfReleaseInputs(inputs: Record<string, unknown> | undefined): unknown {
    const values = inputs?.values as { commonEnv?: unknown } | undefined;
    const env = Array.isArray(values?.commonEnv) ? (values.commonEnv as { name?: unknown; value?: unknown }[]) : [];
    return env.find((e) => e.name === XCOM_PATH_ENV)?.value;
}

/** The hook body: warns when the release's XCom path changes. */
export function warnOnXcomMove(args: pulumi.ResourceHookArgs): void {
    const warning = xcomMoveWarning(xcomPathOfReleaseInputs(args.oldInputs), xcomPathOfReleaseInputs(args.newInputs));
    if (warning !== undefined) {
        void pulumi.log.warn(warning);
    }
}

/** A `beforeUpdate` hook for the agent's Helm release (runs in preview too). */
export function xcomMoveHook(name: string): pulumi.ResourceHook {
    return new pulumi.ResourceHook(`${name}-xcom-move`, warnOnXcomMove, { onDryRun: true, ignoreErrors: true });
}
