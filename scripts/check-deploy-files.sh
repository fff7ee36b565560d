#!/usr/bin/env bash
# check-deploy-files.sh: validates the deployment files without a running systemd (PID 1 need not be
# systemd). 1) `systemd-analyze --user verify` of deploy/systemd/podfn.service and of the user's
# podman.service with the deploy/systemd/podman.service.d drop-in; 2) Podman's quadlet generator
# (-dryrun -user) over deploy/quadlet/, then `systemd-analyze --user verify` of the units it generates.
# Any warning counts as a failure. Exits non-zero on the first problem.
#
# Quadlet first appeared in Podman 4.4; Debian 12 ships 4.3 without it. The generator is one static
# binary: with --fetch-quadlet (as root) this script takes it from Debian 13's podman package with
# apt-get download into /var/cache/podfn/quadlet/ (nothing is installed; the system's apt sources and
# state are untouched). $PODFN_QUADLET names a quadlet binary to use instead.
#
# Usage: check-deploy-files.sh [--fetch-quadlet] [--no-quadlet]
# Env: PODFN_DEPLOY_DIR (default deploy/): the folder holding systemd/ and quadlet/ (tests check broken copies).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FETCH=0 QUADLET_CHECK=1
DEPLOY=$(cd "${PODFN_DEPLOY_DIR:-deploy}" && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --fetch-quadlet) FETCH=1 ;;
    --no-quadlet) QUADLET_CHECK=0 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-deploy-files: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "check-deploy-files: $*" >&2; }
die() { log "$*"; exit 1; }
command -v systemd-analyze >/dev/null || die "systemd-analyze not found (apt-get install systemd)"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# --user verify needs a runtime dir; SYSTEMD_UNIT_PATH (trailing colon: plus the defaults) makes the
# drop-in directories beside the units count.
export XDG_RUNTIME_DIR="$work/run" HOME=${HOME:-/root}
mkdir -p "$XDG_RUNTIME_DIR" "$work/units"
verify() {  # $1 unit dir, rest: unit names; fails on any output
  local out
  out=$(SYSTEMD_UNIT_PATH="$1:" systemd-analyze --user verify "${@:2}" 2>&1) || { echo "$out" >&2; die "systemd-analyze verify failed: ${*:2}"; }
  # noise about units outside ours is not ours to fix; anything naming our units is
  out=$(grep -v -E '^$' <<<"$out" || true)
  [ -z "$out" ] || { echo "$out" >&2; die "systemd-analyze verify warned: ${*:2}"; }
}

cp "$DEPLOY/systemd/podfn.service" "$work/units/"
cp -r "$DEPLOY/systemd/podman.service.d" "$work/units/"
verify "$work/units" podfn.service podman.service
log "ok: $DEPLOY/systemd/podfn.service, $DEPLOY/systemd/podman.service.d/podfn.conf"

[ "$QUADLET_CHECK" = 1 ] || exit 0
quadlet=${PODFN_QUADLET:-}
if [ -z "$quadlet" ]; then
  for q in /usr/libexec/podman/quadlet /usr/lib/podman/quadlet /var/cache/podfn/quadlet/quadlet; do
    [ -x "$q" ] && { quadlet=$q; break; }
  done
fi
if [ -z "$quadlet" ] && [ "$FETCH" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "--fetch-quadlet needs root"
  log "fetching the quadlet generator from Debian 13's podman package (not installed)"
  apt=/var/cache/podfn/quadlet/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' >"$apt/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update
  (cd "$apt/deb" && rm -f podman_*.deb && apt-get "${opts[@]}" -qq download podman)
  dpkg-deb -x "$apt"/deb/podman_*.deb "$apt/x"
  install -m 0755 "$apt/x/usr/libexec/podman/quadlet" /var/cache/podfn/quadlet/quadlet
  rm -rf "$apt/x" "$apt/deb" "$apt/cache"
  quadlet=/var/cache/podfn/quadlet/quadlet
fi
[ -n "$quadlet" ] || die "no quadlet generator here (Podman $(podman --version 2>/dev/null | awk '{print $3}') has none; quadlet needs >= 4.4): rerun with --fetch-quadlet, set PODFN_QUADLET, or --no-quadlet"

gen="$work/generated"; mkdir -p "$gen"
out=$(QUADLET_UNIT_DIRS="$DEPLOY/quadlet" "$quadlet" -dryrun -user 2>"$work/quadlet.err") || {
  cat "$work/quadlet.err" >&2; die "quadlet -dryrun failed"; }
if grep -qiE 'error|unsupported|ignoring|warning' "$work/quadlet.err"; then cat "$work/quadlet.err" >&2; die "quadlet reported problems"; fi
# split "---name---" sections into files
awk -v dir="$gen" '/^---.*---$/ { f = dir "/" substr($0, 4, length($0) - 6); next } f { print > f }' <<<"$out"
for want in podfn.service podfn-data-volume.service; do
  [ -s "$gen/$want" ] || die "quadlet generated no $want (got: $(ls "$gen" | tr '\n' ' '))"
done
grep -q '^ExecStart=/usr/bin/podman run .*--stop-timeout=40 .*localhost/podfn:latest$' "$gen/podfn.service" || die "unexpected podman run line in the generated podfn.service"
# The generated units name Podman >= 5's wait-online helper; give verify a stand-in so the check is
# about our files, not about this host's older Podman.
printf '[Unit]\nDescription=stand-in\n[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$gen/podman-user-wait-network-online.service"
verify "$gen" podfn.service podfn-data-volume.service
log "ok: $DEPLOY/quadlet/podfn.container, $DEPLOY/quadlet/podfn-data.volume (quadlet $("$quadlet" -version 2>/dev/null || echo '?'))"
