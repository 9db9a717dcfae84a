// Reads a Pulumi stack file's YAML the way the Pulumi CLI does where it matters for secrets: merge keys
// resolved, duplicate keys refused, and the documents the CLI would read differently from what they
// seem refused with their line: invalid UTF-8, tags outside YAML's core schema (`!!binary`,
// `!!python/object`, local `!tags`: the CLI silently decodes or drops them), and `.nan`/`.inf` in
// config (the CLI cannot hand them to a program and fails). Shared by the program (config/load.ts) and
// the offline renderer (scripts/lib/stackFile.ts), so both refuse the same files.
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";

/** Options every stack-file parse uses: YAML 1.2 core schema, merge keys as the CLI resolves them. */
export const STACK_YAML_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/** Explicit tags a stack file may carry: YAML's core schema. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** One reason a stack file is not what it seems, at a line (from 1). */
export interface StackYamlProblem {
    line: number;
    detail: string;
}

/** Offset of the first byte that is not valid UTF-8, or undefined when the whole buffer is valid. */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
    let i = 0;
    while (i < bytes.length) {
        const b = bytes[i] ?? 0;
        // Continuation bytes after the lead byte, and the smallest code point that length may encode.
        const [n, min] =
            b < 0x80
                ? [0, 0]
                : b >= 0xc2 && b < 0xe0
                  ? [1, 0x80]
                  : b >= 0xe0 && b < 0xf0
                    ? [2, 0x800]
                    : b >= 0xf0 && b < 0xf5
                      ? [3, 0x10000]
                      : [-1, 0];
        if (n < 0) {
            return i;
        }
        let cp = n === 0 ? b : b & (0x3f >> n);
        for (let k = 1; k <= n; k++) {
            const c = bytes[i + k];
            if (c === undefined || (c & 0xc0) !== 0x80) {
                return i;
            }
            cp = (cp << 6) | (c & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return i;
        }
        i += n + 1;
    }
    return undefined;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
    let line = 1;
    for (let i = 0; i < offset; i++) {
        if (bytes[i] === 0x0a) {
            line++;
        }
    }
    return line;
}

/** A parsed stack file, or the first reason it cannot be read (with its line when known). */
export type ParsedStackYaml =
    | { ok: true; doc: Document; source: string; lineOf: (node: unknown) => number | undefined }
    | { ok: false; line: number | undefined; detail: string };

/** Decodes and parses a stack file's bytes; syntax errors and invalid UTF-8 are reported, tags are not (see {@link stackYamlProblems}). */
export function parseStackYaml(bytes: Uint8Array): ParsedStackYaml {
    const bad = invalidUtf8Offset(bytes);
    if (bad !== undefined) {
        return {
            ok: false,
            line: lineOfOffset(bytes, bad),
            detail: `is not valid UTF-8 (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, "0")} at offset ${bad}); save the file as UTF-8`,
        };
    }
    const source = Buffer.from(bytes).toString("utf8");
    const lines = new LineCounter();
    const doc = parseDocument(source, { ...STACK_YAML_OPTIONS, lineCounter: lines });
    const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
    const error = doc.errors[0];
    if (error !== undefined) {
        return {
            ok: false,
            line: lineAt(error.pos[0]),
            detail: `is not valid YAML: ${error.message.split("\n")[0] ?? ""}`,
        };
    }
    return { ok: true, doc, source, lineOf: (node) => lineAt((node as Node | null | undefined)?.range?.[0]) };
}

function displayTag(tag: string): string {
    return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}

/**
 * What makes a parsed stack file read differently by the CLI than it looks, each with its line: tags
 * outside the core schema anywhere, and special floats in the `config:` block (an alias to one is
 * reported at the alias).
 */
export function stackYamlProblems(parsed: Extract<ParsedStackYaml, { ok: true }>): StackYamlProblem[] {
    const problems: StackYamlProblem[] = [];
    const at = (node: unknown) => parsed.lineOf(node) ?? 1;
    visit(parsed.doc, {
        Node: (_key, node) => {
            const tag = (node as { tag?: string }).tag;
            if (tag !== undefined && !CORE_TAGS.has(tag)) {
                problems.push({
                    line: at(node),
                    detail: `has the YAML tag ${displayTag(tag)}, which is not in YAML's core schema: the Pulumi CLI would decode it into something other than what the file shows; remove the tag and write the value as a plain string, number, list or mapping`,
                });
            }
        },
    });
    const root = parsed.doc.contents;
    const config = isMap(root) ? root.get("config", true) : undefined;
    if (isMap(config)) {
        for (const pair of config.items) {
            const key = isScalar(pair.key) ? String(pair.key.value) : "?";
            const special = (node: unknown, aliasLine?: number) => {
                visit(node as Node, {
                    Scalar: (_k, scalar) => {
                        if (typeof scalar.value === "number" && !Number.isFinite(scalar.value)) {
                            problems.push({
                                line: aliasLine ?? at(scalar),
                                detail: `config: '${key}' holds ${scalar.source ?? String(scalar.value)}, a special YAML float the Pulumi CLI cannot pass to a program ('pulumi preview' fails with "json: unsupported value"); quote it to make it a string`,
                            });
                        }
                    },
                });
            };
            if (pair.value === null) {
                continue;
            }
            special(pair.value);
            visit(pair.value as Node, {
                Alias: (_k, alias) => {
                    special(alias.resolve(parsed.doc), at(alias));
                },
            });
        }
    }
    return problems.sort((a, b) => a.line - b.line);
}
