#!/usr/bin/env bash
# Set-up for a fresh clone: the locked Node packages (which build dist/), and Debian's Chromium,
# which the HTML report's test renders in a real headless browser.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium for the report's browser test" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the report's browser test (sudo)" >&2
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium not found; install it (or set CONCUR_CHROMIUM to a Chromium binary)" >&2
    echo "       for the HTML report's browser test" >&2
  fi
fi

npm ci
