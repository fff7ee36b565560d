#!/usr/bin/env bash
# build-gateway-image.sh: builds podfn's own image (Containerfile) FROM the local node base that
# test/fixtures/build-base.sh makes (no registry is reachable here), with node_modules from this
# checkout (run `npm ci` first: the base has no npm). Skips the build when the image's
# io.podfn.build-hash label matches the hash of its inputs (the build context minus .containerignore,
# the installed packages' lock, the Containerfile and the base image id), unless FORCE=1; a rebuild
# removes the image it replaces. Prints the image reference on stdout.
#
# Usage: build-gateway-image.sh [--tag IMAGE] [--url unix:///path/to/podman.sock]
#   --tag  default localhost/podfn:latest
#   --url  the Podman API whose image store gets the image (default: the local podman CLI's store,
#          i.e. rootful as root); e.g. --url unix:///run/user/$(id -u podfn)/podman/podman.sock
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TAG=localhost/podfn:latest
BASE=localhost/podfn-test/node-base:latest
PODMAN=(podman)
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG=$2; shift ;;
    --url) PODMAN=(podman --url "$2"); shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-gateway-image: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "build-gateway-image: $*" >&2; }

[ -f node_modules/.package-lock.json ] || { log "node_modules missing: run npm ci first"; exit 1; }
# The base (node + the libraries node and the native addons link); a no-op when it is current.
bash test/fixtures/build-base.sh "${PODMAN[@]:1}" >&2
base_id=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$BASE")

# Files the build context holds: everything but .containerignore's entries (top-level names and
# *.ext patterns, the only forms it uses) and node_modules (its lock stands for it).
prune=(-path ./node_modules) skip=(-false)
while IFS= read -r line; do
  line=${line%%#*}; line=${line%/}; line=$(echo "$line" | tr -d '[:space:]')
  [ -z "$line" ] && continue
  case "$line" in
    *'*'*) skip+=(-o -name "$line") ;;
    *) prune+=(-o -path "./$line") ;;
  esac
done < .containerignore
hash=$( { echo v1; echo "base=$base_id"; cat Containerfile; sha256sum node_modules/.package-lock.json
  find . \( "${prune[@]}" \) -prune -o \( "${skip[@]}" \) -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -c1-64)

current=$("${PODMAN[@]}" image inspect --format '{{index .Labels "io.podfn.build-hash"}}' "$TAG" 2>/dev/null || true)
if [ "${FORCE:-0}" != 1 ] && [ "$current" = "$hash" ]; then
  log "$TAG is current"
  echo "$TAG"
  exit 0
fi
old_id=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)
t0=$(date +%s)
# --network none: rootless builds cannot open /dev/net/tun here, and nothing is downloaded anyway.
# --layers=false: no intermediate cache images pile up; the hash above is the cache.
"${PODMAN[@]}" build --layers=false --network none --build-arg "BASE=$BASE" \
  --label "io.podfn.build-hash=$hash" -t "$TAG" -f Containerfile . >&2
new_id=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$TAG")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then "${PODMAN[@]}" rmi "$old_id" >/dev/null 2>&1 || true; fi
log "built $TAG in $(( $(date +%s) - t0 ))s"
echo "$TAG"
