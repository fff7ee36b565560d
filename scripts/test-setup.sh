#!/usr/bin/env bash
# `npm test`'s pretest: everything the suites need on a fresh Debian 12 machine, fast when it is
# already there. Podman (rootless service for user podfn, plus the rootful service: the runner suites
# also run rootful, where memory limits are enforced), the fixture images in both image stores, and
# the test-only sqld binary for the multi-node suites, and the front proxies whose deploy/ examples
# test/deploy/proxy-files.test.ts checks (nginx, HAProxy, Caddy: Debian packages, installed as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-sqld.sh
# the web console's assets (dist/ui), which the gateway serves at /ui/ (npm start builds them too)
node scripts/build.mjs --ui --if-stale
# test/ui drives Debian's chromium with puppeteer-core (which never downloads a browser)
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
fi
if [ "$(id -u)" != 0 ]; then
  bash scripts/setup-podman.sh --if-needed
  exec bash test/fixtures/build-images.sh
fi
bash scripts/setup-podman.sh --if-needed --rootful
bash scripts/ensure-proxies.sh
rootless="unix:///run/user/$(id -u podfn)/podman/podman.sock"
bash test/fixtures/build-images.sh --url "$rootless" --url unix:///run/podman/podman.sock
