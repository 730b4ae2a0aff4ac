#!/usr/bin/env bash
# Build the offline install bundle, on a machine with network access of the same kind as the
# target (same Debian release, same Python minor version, x86_64).
#
#   scripts/make-offline-bundle.sh [--no-debs] OUT.tar.gz
#
# The bundle holds:
#   wheelhouse/   every Python dependency at the version and hash pinned in requirements/offline.lock
#                 (made by `uv pip compile --generate-hashes`, see requirements/README.md), and the
#                 project's own wheel
#   debs/         the Debian packages the bootstrap installs (Chromium, its headless shell, the CJK
#                 font, fontconfig, PostgreSQL) with every dependency, as apt resolves them for a
#                 machine with nothing installed; none with --no-debs
#   home/         the configuration the bots read (selectors/, config/, calendar.yaml, schedules.yaml)
#   deploy/       systemd unit templates
#   install-offline.sh, requirements/offline.lock, SHA256SUMS
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WITH_DEBS=1
if [[ "${1:-}" == "--no-debs" ]]; then WITH_DEBS=0; shift; fi
OUT="${1:?usage: scripts/make-offline-bundle.sh [--no-debs] OUT.tar.gz}"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
PY="${PYTHON:-python3}"
say() { printf 'offline-bundle: %s\n' "$*"; }

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
B="$STAGE/bank-rpa-offline"
mkdir -p "$B/wheelhouse" "$B/debs" "$B/home" "$B/requirements" "$STAGE/src"

say "Python dependencies from requirements/offline.lock (each checked against its hash)"
"$PY" -m pip wheel --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r "$ROOT/requirements/offline.lock" -w "$B/wheelhouse"

say "the project's wheel"
# built from a copy, so the checkout gets no build/ or *.egg-info
cp -r "$ROOT/pyproject.toml" "$ROOT/README.md" "$ROOT/rpa" "$ROOT/bots" "$ROOT/flows" "$ROOT/fixtures" "$STAGE/src/"
find "$STAGE/src" -name __pycache__ -prune -exec rm -rf {} +
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps "$STAGE/src" -w "$B/wheelhouse"

if (( WITH_DEBS )); then
  say "Debian packages and their dependencies"
  wanted=(chromium chromium-headless-shell fonts-wqy-microhei fontconfig postgresql)
  # apt resolves the set as for a machine with nothing installed (an empty dpkg status), so the
  # bundle holds one consistent version of every package the wanted ones need
  empty_status="$STAGE/empty-status"
  : > "$empty_status"
  mkdir -p "$B/debs/partial"
  apt-get install -y -q --download-only --no-install-recommends \
    -o Dir::State::status="$empty_status" -o Dir::Cache::archives="$B/debs" \
    -o Debug::NoLocking=1 "${wanted[@]}" >/dev/null
  rm -rf "$B/debs/partial" "$B/debs/lock"
  closure=("$B"/debs/*.deb)
  say "${#closure[@]} Debian packages"
fi

cp -r "$ROOT/selectors" "$ROOT/config" "$ROOT/calendar.yaml" "$ROOT/schedules.yaml" "$B/home/"
cp -r "$ROOT/deploy" "$B/"
cp "$ROOT/requirements/offline.lock" "$B/requirements/"
cp "$ROOT/scripts/install-offline.sh" "$B/"
(cd "$B" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)

tar -czf "$OUT" -C "$STAGE" bank-rpa-offline
say "written $OUT ($(du -h "$OUT" | cut -f1))"
