#!/usr/bin/env bash
# Installs what tests/flows/test_spa_sdk.py needs: Debian's Chromium (Playwright drives it through
# executable_path; Playwright's own browser download is not used) and Auth0's SPA SDK from npm,
# pinned by tests/flows/spa/package-lock.json. Run as root (or with sudo) for the apt step.
#   scripts/install-browser-deps.sh            apt + npm ci
#   SKIP_APT=1 scripts/install-browser-deps.sh npm ci only (Chromium already present)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${SKIP_APT:-0}" != "1" ]] && ! command -v chromium >/dev/null; then
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  packages=(chromium)
  command -v node >/dev/null || packages+=(nodejs npm)  # keep a Node.js that is already there
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${packages[@]}"
fi

command -v node >/dev/null || { echo "node is missing: install Node.js 18+ (apt-get install nodejs npm)" >&2; exit 1; }

cd "$ROOT/tests/flows/spa"
npm ci --no-audit --no-fund --ignore-scripts
test -f node_modules/@auth0/auth0-spa-js/dist/auth0-spa-js.production.js
echo "Browser test dependencies ready: $(chromium --version 2>/dev/null || echo 'chromium ?'), node $(node --version)"
