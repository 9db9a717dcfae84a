// The doctor's report as text for people (the JSON form is the report object itself).
import type { AgentReport, DoctorReport, Finding } from "./types";

function findingLines(f: Finding, indent: string): string[] {
    return [
        `${indent}${f.severity === "error" ? "ERROR" : "WARN "} ${f.cause}: ${f.summary}`,
        `${indent}      fix: ${f.fix}`,
        ...(f.configKeys.length > 0 ? [`${indent}      config: ${f.configKeys.join(", ")}`] : []),
    ];
}

function agentLines(a: AgentReport): string[] {
    const problems = [...a.findings, ...a.components.flatMap((c) => c.findings)];
    const errors = problems.filter((f) => f.severity === "error").length;
    const lines = [
        `agent ${a.agent} (namespace ${a.namespace}): ${a.ok ? "OK" : `NOT HEALTHY, ${errors} problem${errors === 1 ? "" : "s"}`}`,
    ];
    for (const f of a.findings) {
        lines.push(...findingLines(f, "  "));
    }
    for (const c of a.components) {
        lines.push(`  ${c.key} (${c.configPath}; Deployment ${c.deployment}): ${c.ready} ready`);
        for (const p of c.pods) {
            const containers = p.containers.map((x) => `${x.name} ${x.state}`).join(", ");
            lines.push(
                `    pod ${p.name}: ${p.phase}${p.ready ? ", ready" : ""}, ${p.restarts} restarts${containers === "" ? "" : `; ${containers}`}`,
            );
        }
        for (const e of c.events) {
            lines.push(`    event ${e}`);
        }
        for (const f of c.findings) {
            lines.push(...findingLines(f, "    "));
        }
    }
    return lines;
}

/** The report as text: one block per agent, findings with the fix and the config keys. */
export function formatReport(report: DoctorReport): string {
    return `${report.agents.flatMap(agentLines).join("\n")}\n`;
}
