#!/usr/bin/env bash
# ensure-proxies.sh: the front proxies whose example configurations deploy/ ships (nginx, HAProxy,
# Caddy), so test/deploy/proxy-files.test.ts can check each with its own syntax check (nginx -t,
# haproxy -c, caddy validate). Debian 12 packages, installed only when missing; as root only (a
# non-root run prints what is missing and exits 0: the test then skips what it cannot check). No
# service is started: while apt runs, a policy-rc.d that refuses starts is put in place when the
# system has none (Debian starts nginx on :80 otherwise), and removed after.
set -euo pipefail
want=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || want+=(haproxy)
command -v caddy >/dev/null 2>&1 || want+=(caddy)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-proxies: missing ${want[*]} (run as root to install them); their config checks will be skipped" >&2
  exit 0
fi
echo "ensure-proxies: installing ${want[*]}" >&2
policy=/usr/sbin/policy-rc.d made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1
  trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
}
