// Function URLs on the wire: the host names a route claims (`hosts: ["hello.example.com"]`) and the host
// names or wildcards an app claims (`hosts: ["*.fn.example.com"]`). A claim is a DNS name, judged
// strictly and stored normalised (lower case, no trailing dot), so the gateway matches a request's
// Host header against it with one map lookup. Uniqueness across apps is the database's
// (db/schema.ts host_claims); this file says only what a claim may look like.
import { z } from 'zod';

export const HOST_MAX = 253;
export const HOSTS_MAX = 32;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `name` (already lower case, no trailing dot) is not a host name podfn lets a function claim, or
 * undefined when it is one: at most 253 characters; labels of 1-63 letters, digits and hyphens, not
 * starting or ending with a hyphen; at least two labels (so never `localhost`); a last label that is
 * not all digits (so never an IPv4 address, which the admin API may be reached on).
 */
export function hostNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  if (name.length > HOST_MAX) return `longer than ${HOST_MAX} characters`;
  const labels = name.split('.');
  if (labels.length < 2) return 'a claim needs at least two labels (e.g. fn.example.com)';
  for (const l of labels) if (!LABEL.test(l)) return 'labels are 1-63 letters, digits or hyphens, not starting or ending with a hyphen';
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return 'an IP address cannot be claimed';
  return undefined;
}

/** Lower case, one trailing dot dropped: the form claims are stored and matched in. */
export const normalizeHost = (h: string): string => {
  const lower = h.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
};

function hostList(what: 'route' | 'app', wildcards: boolean) {
  const item = z.string({ error: `Invalid ${what} hosts: each must be a string` }).transform((raw, ctx) => {
    const h = normalizeHost(raw);
    const wild = h.startsWith('*.');
    const name = wild ? h.slice(2) : h;
    let problem = wild && !wildcards ? 'a route claims exact host names; wildcards (*.suffix) are claimed by an app' : hostNameProblem(name);
    if (!problem && wild && name.includes('*')) problem = 'only a leading *. label is allowed';
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `Invalid ${what} host ${JSON.stringify(raw.slice(0, 300))}: ${problem}` });
      return z.NEVER;
    }
    return h;
  });
  return z
    .array(item, { error: `Invalid ${what} hosts: must be an array of host names` })
    .max(HOSTS_MAX, `Invalid ${what} hosts: at most ${HOSTS_MAX}`)
    .transform((list) => [...new Set(list)])
    .meta({
      description: wildcards
        ? `host names (fn.example.com) or wildcards (*.fn.example.com: any name ending in .fn.example.com) this app answers on without /r/{app}: the request path selects the route; at most ${HOSTS_MAX}; lower-cased; a name another app or route claims is 409; [] removes them`
        : `host names this route answers on at / and below, without /r/{app}/{path}; at most ${HOSTS_MAX}; lower-cased; a name another route or app claims is 409; [] removes them`,
    });
}

/** A route's `hosts`: exact DNS names. */
export const routeHosts = hostList('route', false);
/** An app's `hosts`: exact DNS names or `*.suffix` wildcards. */
export const appHosts = hostList('app', true);

/** In answers: present only when something is claimed (older clients never see the field). */
export const hostsJson = z.array(z.string()).optional().meta({ description: 'claimed host names; left out when none' });
