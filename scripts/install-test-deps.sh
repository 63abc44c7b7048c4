#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain and python3: Debian's Chromium (the headless test of
# report.html, tests/it/html.rs) and curl (scripts/test_export.py). Idempotent; runs as root (CI) or through sudo.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), $(curl --version | head -n 1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
/usr/bin/chromium --version
