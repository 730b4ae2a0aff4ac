#!/usr/bin/env bash
# Idempotent set-up: system packages (only when missing), the virtualenv, the project with the
# extras it needs (only when pyproject.toml or the extras changed), then checks that Chromium
# starts under Playwright and that a CJK font is installed. A second run with everything in place installs
# nothing and takes a few seconds.
#
#   scripts/bootstrap.sh          what the demo needs: the project with [portals] (the mock portals)
#   scripts/bootstrap.sh --test   plus PostgreSQL, [postgres] and [test] for the tests
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.bootstrap-stamp"
WANT_TEST=0
[[ "${1:-}" == "--test" ]] && WANT_TEST=1

say() { printf 'bootstrap: %s\n' "$*"; }

# --- system packages -------------------------------------------------------------------------
packages=(chromium chromium-headless-shell fonts-wqy-microhei fontconfig)
(( WANT_TEST )) && packages+=(postgresql)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  say "installing system packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  say "system packages present: ${packages[*]}"
fi

# --- virtualenv and the project --------------------------------------------------------------
PY="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating $VENV"
  "$PY" -m venv "$VENV"
fi
EXTRAS="portals"
(( WANT_TEST )) && EXTRAS="portals,postgres,test"
project_hash="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
want_stamp="$project_hash $EXTRAS"
have_stamp="$(cat "$STAMP" 2>/dev/null || true)"
# the test install includes the demo's: after `make test`, `make demo` installs nothing
[[ "$have_stamp" == "$project_hash portals,postgres,test" ]] && want_stamp="$have_stamp"
if [[ "$want_stamp" != "$have_stamp" ]]; then
  say "installing the project with [$EXTRAS] into .venv"
  "$VENV/bin/pip" install -q --disable-pip-version-check -e "$ROOT[$EXTRAS]"
  echo "$want_stamp" > "$STAMP"
else
  say "python packages up to date (pyproject.toml unchanged)"
fi

# --- checks ----------------------------------------------------------------------------------
if ! fc-list :lang=zh family | grep -q .; then
  say "ERROR: no CJK font found (fc-list :lang=zh); install fonts-wqy-microhei" >&2
  exit 1
fi
"$VENV/bin/python" -m rpa.browser.check || {
  say "ERROR: Playwright could not start Chromium; see the message above" >&2
  exit 1
}
say "ready"
