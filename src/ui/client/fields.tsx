// Forms driven by the API's own OpenAPI document: the fields of a {"route":{...}} or {"app":{...}} body
// are read from components.schemas (RouteBody, NewAppBody, AppUpdateBody), so a field the API gains
// appears here without a change: a string is a text box, an enum a select, an integer a number box, a
// boolean a checkbox, a map of strings (config) or of string lists (headers) key/value rows, a list of
// strings one line per item, anything else JSON. A field whose description says "write-only" (the
// route's jwt_key) is a password box that is never filled in; one that "cannot change" is fixed on edit.
// An API error is shown at the field its message names.
import { useState } from 'preact/hooks';

type Json = Record<string, unknown>;

/** A value as text: strings as they are, the rest as JSON. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : (JSON.stringify(v) ?? ''));
export type Kind = 'text' | 'secret' | 'int' | 'enum' | 'bool' | 'map' | 'multimap' | 'list' | 'json';
export interface Field {
  name: string;
  kind: Kind;
  options?: string[];
  min?: number;
  max?: number;
  def?: unknown;
  description?: string;
  immutable: boolean;
  required: boolean;
}

export type Rows = Array<[string, string]>;
export type Values = Record<string, string | boolean | Rows>;

let doc: Promise<Json> | undefined;
/** The OpenAPI document, fetched once (GET /v1/openapi.json). */
export function openApi(load: () => Promise<Json>): Promise<Json> {
  doc ??= load().catch((e: unknown) => {
    doc = undefined;
    throw e;
  });
  return doc;
}

function resolve(s: Json | undefined, schemas: Json): Json {
  const ref = s?.$ref;
  if (typeof ref === 'string') return (schemas[ref.split('/').pop() ?? ''] as Json | undefined) ?? {};
  return s ?? {};
}

function kindOf(s: Json, schemas: Json): Pick<Field, 'kind' | 'options'> {
  if (Array.isArray(s.enum)) return { kind: 'enum', options: s.enum.map(String) };
  if (s.type === 'integer' || s.type === 'number') return { kind: 'int' };
  if (s.type === 'boolean') return { kind: 'bool' };
  if (s.type === 'string') return { kind: /write-only/i.test(str(s.description)) ? 'secret' : 'text' };
  if (s.type === 'array' && resolve(s.items as Json, schemas).type === 'string') return { kind: 'list' };
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    const v = resolve(s.additionalProperties as Json, schemas);
    if (v.type === 'string') return { kind: 'map' };
    if (Array.isArray(v.anyOf) && (v.anyOf as Json[]).some((x) => x.type === 'array')) return { kind: 'multimap' };
  }
  return { kind: 'json' };
}

/** The fields of the wrapper object `key` ("route", "app") of the named body schema. */
export function fieldsOf(document: Json, schemaName: string, key: string): Field[] {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const body = resolve(schemas[schemaName] as Json, schemas);
  const inner = resolve((body.properties as Json | undefined)?.[key] as Json, schemas);
  const required = new Set((inner.required as string[] | undefined) ?? []);
  return Object.entries((inner.properties ?? {}) as Record<string, Json>).map(([name, raw]) => {
    const s = resolve(raw, schemas);
    const description = typeof s.description === 'string' ? s.description : undefined;
    return {
      name,
      ...kindOf(s, schemas),
      min: typeof s.minimum === 'number' ? s.minimum : undefined,
      max: typeof s.maximum === 'number' ? s.maximum : undefined,
      def: s.default,
      description,
      immutable: /cannot change/i.test(description ?? ''),
      required: required.has(name) || /required on create/i.test(description ?? ''),
    };
  });
}

const toRows = (v: unknown, multi: boolean): Rows => {
  if (!v || typeof v !== 'object') return [];
  const rows: Rows = [];
  for (const [k, x] of Object.entries(v as Json)) {
    if (multi && Array.isArray(x)) for (const one of x) rows.push([k, String(one)]);
    else rows.push([k, String(x)]);
  }
  return rows;
};

/** Form values from a stored object (or the defaults, for a new one). Secrets start empty. */
export function initialValues(fields: Field[], from: Json | undefined): Values {
  const out: Values = {};
  for (const f of fields) {
    const v = from ? from[f.name] : undefined;
    switch (f.kind) {
      case 'secret':
        out[f.name] = '';
        break;
      case 'bool':
        out[f.name] = v === undefined ? f.def === true : v === true;
        break;
      case 'map':
      case 'multimap':
        out[f.name] = toRows(v, f.kind === 'multimap');
        break;
      case 'list':
        out[f.name] = Array.isArray(v) ? v.map(String).join('\n') : '';
        break;
      case 'json':
        out[f.name] = v === undefined ? '' : JSON.stringify(v, null, 2);
        break;
      default:
        out[f.name] = v === undefined || v === null ? '' : str(v);
    }
  }
  return out;
}

function valueOf(f: Field, v: string | boolean | Rows | undefined): unknown {
  switch (f.kind) {
    case 'bool':
      return v === true;
    case 'int':
      return v === '' ? undefined : Number(v);
    case 'map': {
      const o: Record<string, string> = {};
      for (const [k, x] of (v as Rows | undefined) ?? []) if (k !== '') o[k] = x;
      return o;
    }
    case 'multimap': {
      const o: Record<string, string[]> = {};
      for (const [k, x] of (v as Rows | undefined) ?? []) if (k !== '') (o[k] ??= []).push(x);
      return o;
    }
    case 'list':
      return String(v ?? '')
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'json':
      if (v === '') return undefined;
      try {
        return JSON.parse(String(v)) as unknown;
      } catch {
        return String(v); // the API's message says what is wrong with it
      }
    default:
      return v === '' ? undefined : v;
  }
}

/**
 * The body's inner object. New: every field given. Edit: only what changed from `initial`; a map key
 * removed is sent as "" (config) or [] (headers), which the API reads as "remove"; a secret only when
 * typed, or "" when `clear` asks to remove it.
 */
export function bodyOf(fields: Field[], values: Values, initial: Values | undefined, clear: Set<string> = new Set()): Json {
  const out: Json = {};
  for (const f of fields) {
    if (initial && f.immutable) continue;
    const v = valueOf(f, values[f.name]);
    if (f.kind === 'secret') {
      if (clear.has(f.name)) out[f.name] = '';
      else if (v !== undefined) out[f.name] = v;
      continue;
    }
    if (!initial) {
      if (v === undefined) continue;
      if ((f.kind === 'map' || f.kind === 'multimap') && Object.keys(v as Json).length === 0) continue;
      if (f.kind === 'list' && (v as unknown[]).length === 0) continue;
      out[f.name] = v;
      continue;
    }
    const before = valueOf(f, initial[f.name]);
    if (f.kind === 'map' || f.kind === 'multimap') {
      const now = v as Json;
      const was = before as Json;
      const diff: Json = {};
      for (const [k, x] of Object.entries(now)) if (JSON.stringify(was[k]) !== JSON.stringify(x)) diff[k] = x;
      for (const k of Object.keys(was)) if (!(k in now)) diff[k] = f.kind === 'map' ? '' : [];
      if (Object.keys(diff).length) out[f.name] = diff;
      continue;
    }
    if (JSON.stringify(v) !== JSON.stringify(before)) out[f.name] = v ?? (f.kind === 'int' ? 0 : '');
  }
  return out;
}

/** The field an API message is about (its name appears in it), or undefined for the form as a whole. */
export function fieldOfMessage(fields: Field[], message: string): string | undefined {
  const words = (n: string) => [n, n.replace(/_/g, ' '), n.replace(/s$/, '')];
  // longest names first: "idle_timeout" before "timeout"
  const sorted = [...fields].sort((a, b) => b.name.length - a.name.length);
  for (const f of sorted) {
    for (const w of words(f.name)) if (new RegExp(`(^|[^A-Za-z_])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z_]|$)`, 'i').test(message)) return f.name;
  }
  return undefined;
}

/** preact's typings take one input type literal at a time */
const inputType = (k: Kind) => (k === 'secret' ? 'password' : k === 'int' ? 'number' : 'text') as 'text';

const label = (name: string) => name.replace(/_/g, ' ');

function RowsEditor(props: { id: string; field: Field; rows: Rows; onChange: (rows: Rows) => void }) {
  const { id, field, rows, onChange } = props;
  const set = (i: number, j: 0 | 1, v: string) => onChange(rows.map((r, n) => (n === i ? (j === 0 ? [v, r[1]] : [r[0], v]) : r)));
  return (
    <div class="rows" id={id} role="group" aria-label={label(field.name)}>
      {rows.map((r, i) => (
        <div class="row" key={i}>
          <input aria-label={`${label(field.name)} ${i + 1} name`} placeholder="name" value={r[0]} onInput={(e) => set(i, 0, e.currentTarget.value)} />
          <input aria-label={`${label(field.name)} ${i + 1} value`} placeholder="value" value={r[1]} onInput={(e) => set(i, 1, e.currentTarget.value)} />
          <button type="button" class="small" aria-label={`remove ${label(field.name)} ${i + 1}`} onClick={() => onChange(rows.filter((_, n) => n !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" class="small" onClick={() => onChange([...rows, ['', '']])}>
        + {field.kind === 'multimap' ? 'header' : 'key'}
      </button>
    </div>
  );
}

export interface SchemaFormProps {
  formId: string;
  fields: Field[];
  initial?: Values;
  /** fields the stored object says are set but cannot be shown (a write-only secret): a "remove" box */
  secretsSet?: Set<string>;
  submitLabel: string;
  onSubmit: (body: Json) => Promise<void>;
  onCancel?: () => void;
}

/** A form of `fields`; submitting calls onSubmit with the body; a thrown API error lands at its field. */
export function SchemaForm(props: SchemaFormProps) {
  const { formId, fields, initial } = props;
  const [values, setValues] = useState<Values>(() => initial ?? initialValues(fields, undefined));
  const [clear, setClear] = useState<Set<string>>(new Set());
  const [error, setError] = useState<{ field?: string; message: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (name: string, v: string | boolean | Rows) => setValues({ ...values, [name]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit(bodyOf(fields, values, initial, clear));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setError({ field: fieldOfMessage(fields, message), message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form id={formId} class="schema-form" onSubmit={(e) => void submit(e)} noValidate>
      {error && !error.field && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      {fields.map((f) => {
        const id = `${formId}-${f.name}`;
        const v = values[f.name];
        const fixed = initial !== undefined && f.immutable;
        const hint = [f.description, f.def !== undefined ? `default ${JSON.stringify(f.def)}` : ''].filter(Boolean).join('; ');
        let input;
        switch (f.kind) {
          case 'enum':
            input = (
              <select id={id} name={f.name} value={String(v)} disabled={fixed} onChange={(e) => set(f.name, e.currentTarget.value)}>
                <option value="">{f.def !== undefined ? `(default: ${str(f.def)})` : '(none)'}</option>
                {f.options?.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            );
            break;
          case 'bool':
            input = (
              <input id={id} name={f.name} type="checkbox" checked={v === true} disabled={fixed} onChange={(e) => set(f.name, e.currentTarget.checked)} />
            );
            break;
          case 'map':
          case 'multimap':
            input = <RowsEditor id={id} field={f} rows={(v as Rows | undefined) ?? []} onChange={(rows) => set(f.name, rows)} />;
            break;
          case 'list':
          case 'json':
            input = <textarea id={id} name={f.name} rows={3} value={String(v ?? '')} disabled={fixed} onInput={(e) => set(f.name, e.currentTarget.value)} />;
            break;
          default:
            input = (
              <input
                id={id}
                name={f.name}
                type={inputType(f.kind)}
                autocomplete={f.kind === 'secret' ? 'new-password' : 'off'}
                min={f.min}
                max={f.max}
                value={String(v ?? '')}
                disabled={fixed}
                placeholder={f.kind === 'secret' && initial ? '(unchanged)' : f.def !== undefined ? str(f.def) : ''}
                onInput={(e) => set(f.name, e.currentTarget.value)}
              />
            );
        }
        const isRows = f.kind === 'map' || f.kind === 'multimap';
        return (
          <div class={`field${error?.field === f.name ? ' invalid' : ''}`} key={f.name}>
            {isRows ? (
              <span class="label" id={`${id}-label`}>
                {label(f.name)}
              </span>
            ) : (
              <label for={id}>
                {label(f.name)}
                {f.required && !initial ? ' *' : ''}
              </label>
            )}
            {input}
            {f.kind === 'secret' && props.secretsSet?.has(f.name) && (
              <label class="inline">
                <input
                  type="checkbox"
                  name={`${f.name}-remove`}
                  checked={clear.has(f.name)}
                  onChange={(e) => {
                    const next = new Set(clear);
                    if (e.currentTarget.checked) next.add(f.name);
                    else next.delete(f.name);
                    setClear(next);
                  }}
                />{' '}
                remove the stored {label(f.name)} (set; never shown)
              </label>
            )}
            {hint && <small class="hint">{hint}</small>}
            {error?.field === f.name && (
              <p class="error field-error" role="alert" id={`${id}-error`}>
                {error.message}
              </p>
            )}
          </div>
        );
      })}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" class="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
