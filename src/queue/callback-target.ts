// Where a callback may go. A callback is a request the gateway makes on a caller's behalf, from
// inside the operator's network: left open, anyone who can make an async call could have the gateway
// POST to its database, cloud metadata service or admin consoles (SSRF). So destinations are limited
// to PODFN_CALLBACK_ALLOW (host names, IP addresses, CIDR ranges; empty = no callbacks at all).
//
// A host name on the list is trusted by name (whatever it resolves to); any other name is resolved and
// allowed only when an address it resolves to is in a listed address or range. Either way the
// deliverer connects to the very address checked here (resolved once per try, never again by the HTTP
// client), so a name that resolves to an allowed address for the check and to another one for the
// connection (DNS rebinding) gets nowhere.
import dns from 'node:dns';
import net from 'node:net';
import { badRequest } from '../models/errors.ts';

export const CALLBACK_HEADER = 'x-callback-url';
export const CALLBACK_URL_MAX = 2048;
const SETTING = 'PODFN_CALLBACK_ALLOW';

export interface AllowList {
  names: Set<string>;
  addresses: net.BlockList;
  empty: boolean;
}

/** Parses PODFN_CALLBACK_ALLOW's entries (already split; src/config.ts validated their form). */
export function allowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const addresses = new net.BlockList();
  for (const raw of entries) {
    const e = raw
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, '');
    if (!e) continue;
    const slash = e.indexOf('/');
    if (slash > 0) {
      const ip = e.slice(0, slash);
      const family = net.isIP(ip);
      if (family) addresses.addSubnet(ip, Number(e.slice(slash + 1)), family === 6 ? 'ipv6' : 'ipv4');
    } else if (net.isIP(e)) addresses.addAddress(e, net.isIP(e) === 6 ? 'ipv6' : 'ipv4');
    else names.add(e.replace(/\.$/, ''));
  }
  return { names, addresses, empty: entries.every((e) => !e.trim()) };
}

const addressAllowed = (list: AllowList, ip: string) => list.addresses.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** The URL of an X-Callback-Url header, or a 400 saying what is wrong with it. */
export function parseCallbackUrl(value: string): URL {
  let u: URL | undefined;
  if (value.length <= CALLBACK_URL_MAX) {
    try {
      u = new URL(value);
    } catch {
      /* reported below */
    }
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) {
    throw badRequest(`Invalid X-Callback-Url: an absolute http(s) URL of at most ${CALLBACK_URL_MAX} characters`);
  }
  return u;
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '').toLowerCase();

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;
const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export type Resolved = { ok: true; address: string; family: 4 | 6 } | { ok: false; error: string };

/**
 * The address to connect to for this URL, checked against the list; never an address outside it.
 * `notAllowed` names the setting so the caller's 400 (at enqueue) says what to change.
 */
export async function resolveTarget(u: URL, list: AllowList, lookup: Lookup = systemLookup): Promise<Resolved> {
  const host = hostOf(u);
  const notAllowed = (what: string): Resolved => ({
    ok: false,
    error: `Callback not allowed: ${what} is not in ${SETTING}${list.empty ? ' (empty: callbacks are off)' : ''}`,
  });
  if (list.empty) return notAllowed(host);
  const literal = net.isIP(host);
  if (literal) return addressAllowed(list, host) ? { ok: true, address: host, family: literal as 4 | 6 } : notAllowed(host);
  const byName = list.names.has(host.replace(/\.$/, ''));
  let found: Array<{ address: string; family: number }>;
  try {
    found = await lookup(host);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    // a name not on the list is allowed only through its addresses: with none, it is simply not allowed
    if (!byName) return notAllowed(`${host} (it does not resolve: ${why})`);
    return { ok: false, error: `Callback host ${host} could not be resolved (${why})` };
  }
  const pick = byName ? found[0] : found.find((a) => addressAllowed(list, a.address));
  if (!pick) return found.length === 0 ? { ok: false, error: `Callback host ${host} has no address` } : notAllowed(`${host} (${found[0]!.address})`);
  return { ok: true, address: pick.address, family: pick.family === 6 ? 6 : 4 };
}

/** Enqueue-time check of an async call's X-Callback-Url: its URL, or a 400 (naming PODFN_CALLBACK_ALLOW when not allowed). */
export async function checkCallback(headers: Record<string, string[]>, list: AllowList, lookup?: Lookup): Promise<string | undefined> {
  const values = headers[CALLBACK_HEADER];
  if (!values || values.length === 0) return undefined;
  const value = values[0]!.trim();
  if (values.length > 1 || value.includes(', ')) throw badRequest('Invalid X-Callback-Url: give one URL');
  const u = parseCallbackUrl(value);
  const r = await resolveTarget(u, list, lookup);
  if (!r.ok) throw badRequest(r.error);
  return u.href;
}
