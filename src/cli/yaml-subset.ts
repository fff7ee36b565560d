// A small, strict parser for the YAML subset func.yaml uses: top-level `key: scalar` lines and maps one
// level deep (`config:` then indented `KEY: scalar` lines, or `{}`), comments, plain, "double" and
// 'single' quoted scalars. Anything else (lists, deeper nesting, anchors, block scalars, tabs, flow
// collections) is rejected with a line-numbered message rather than guessed at, so no YAML library is needed.
export class YamlError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export type Scalar = { value: string; quoted: boolean; line: number };
export type Entry = { line: number; value: Scalar | Map<string, Scalar> };

/** Strips a trailing comment (` # ...`) outside quotes. */
function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i);
  }
  return s;
}

function scalar(raw: string, line: number): Scalar {
  const s = raw.trim();
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new YamlError(line, `unterminated double-quoted string: ${s}`);
    try {
      return { value: JSON.parse(s) as string, quoted: true, line };
    } catch {
      throw new YamlError(line, `bad escape in double-quoted string: ${s}`);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlError(line, `unterminated single-quoted string: ${s}`);
    const inner = s.slice(1, -1);
    if (/(^|[^'])'([^']|$)/.test(inner)) throw new YamlError(line, `a ' inside a single-quoted string must be doubled ('')`);
    return { value: inner.replace(/''/g, "'"), quoted: true, line };
  }
  if (/^[[{]/.test(s)) throw new YamlError(line, `flow collections ([...] or {...}) are not supported here; write the value as a plain or quoted string`);
  if (/^[&*!|>@`%]/.test(s)) throw new YamlError(line, `"${s[0]}" (anchors, aliases, tags, block scalars) is not supported in func.yaml; quote the value`);
  if (s.startsWith('- ') || s === '-') throw new YamlError(line, 'lists are not supported in func.yaml');
  return { value: s, quoted: false, line };
}

const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.\-/]*)\s*:(?:\s+(.*))?$/;

/** Parses the document into top-level entries (insertion order), rejecting duplicates. */
export function parseYamlSubset(text: string): Map<string, Entry> {
  const top = new Map<string, Entry>();
  let open: { key: string; map: Map<string, Scalar>; indent: number | null } | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, idx) => {
    const n = idx + 1;
    if (/^\s*$/.test(rawLine) || /^\s*#/.test(rawLine)) return;
    if (n === 1 && rawLine.trim() === '---') return;
    const lead = /^[ \t]*/.exec(rawLine)?.[0] ?? '';
    if (lead.includes('\t')) throw new YamlError(n, 'tabs are not allowed for indentation; use spaces');
    const body = stripComment(rawLine.slice(lead.length)).trimEnd();
    if (body === '---' || body === '...') throw new YamlError(n, 'only one YAML document is allowed');
    if (body.startsWith('- ') || body === '-') throw new YamlError(n, 'lists are not supported in func.yaml');
    const m = KEY.exec(body);
    if (!m) throw new YamlError(n, `expected "key: value", got ${JSON.stringify(body)}`);
    const key = m[1] as string;
    const rest = (m[2] ?? '').trim();
    if (lead.length > 0) {
      if (!open) throw new YamlError(n, `unexpected indentation before "${key}" (only config: and headers: take nested keys)`);
      if (open.indent === null) open.indent = lead.length;
      else if (lead.length !== open.indent)
        throw new YamlError(n, `inconsistent indentation under "${open.key}:" (nested keys must line up; deeper nesting is not supported)`);
      if (rest === '') throw new YamlError(n, `"${open.key}.${key}" needs a value (maps nest one level only)`);
      if (open.map.has(key)) throw new YamlError(n, `duplicate key "${open.key}.${key}"`);
      open.map.set(key, scalar(rest, n));
      return;
    }
    open = null;
    if (top.has(key)) throw new YamlError(n, `duplicate key "${key}"`);
    if (rest === '' || rest === '{}') {
      const map = new Map<string, Scalar>();
      top.set(key, { line: n, value: map });
      if (rest === '') open = { key, map, indent: null };
      return;
    }
    top.set(key, { line: n, value: scalar(rest, n) });
  });
  return top;
}

/** Quotes a string for output when plain YAML would change or misread it. */
export function yamlString(s: string): string {
  if (s === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|[:#]\s|\s#|\s$|^(true|false|null|yes|no|on|off|~)$/i.test(s) || /^[\d.+-]/.test(s) || /[\n\r\t"\\]/.test(s)) {
    return JSON.stringify(s);
  }
  return s;
}
