#!/usr/bin/env bash
# Find or install the headless browser the site tests drive (tests/test_site.py): Debian's Chromium.
# Idempotent: does nothing when one is found. Installs with apt-get only as root; otherwise it says how.
# Never fails the caller: without a browser the browser tests are skipped, saying why.
set -uo pipefail
for name in "${LTSC_CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
  [ -n "$name" ] || continue
  if path="$(command -v "$name" 2>/dev/null)" && [ -x "$path" ]; then
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ltsc-bench: no Chromium found and no apt-get here; install Chromium and set LTSC_CHROMIUM to run the site's browser tests" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ltsc-bench: no Chromium found; run 'sudo apt-get install -y chromium' to run the site's browser tests" >&2
  exit 0
fi
echo "ltsc-bench: installing Debian's chromium for the site's browser tests ..." >&2
if { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
     DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; }; then
  echo "ltsc-bench: chromium installed ($(command -v chromium))" >&2
else
  echo "ltsc-bench: could not install chromium with apt-get; the site's browser tests will be skipped" >&2
fi
exit 0
