#!/usr/bin/env bash
# Install the bank RPA suite from a bundle made by scripts/make-offline-bundle.sh, on a machine
# with no network: no package index is reached (pip --no-index, dpkg from the bundle's files).
#
#   scripts/install-offline.sh [--skip-debs] BUNDLE.tar.gz [TARGET]    TARGET defaults to /opt/bank-rpa
#
# TARGET receives .venv/ (the project and its locked dependencies), the configuration (selectors/,
# config/, calendar.yaml, schedules.yaml — files already there are kept, so a reinstall keeps the
# bank's edits) and bin/rpa, which runs `rpa` with RPA_HOME=TARGET. With --skip-debs the bundle's
# Debian packages are not installed (they are already on the machine).
set -euo pipefail

SKIP_DEBS=0
if [[ "${1:-}" == "--skip-debs" ]]; then SKIP_DEBS=1; shift; fi
BUNDLE="${1:?usage: install-offline.sh [--skip-debs] BUNDLE.tar.gz [TARGET]}"
TARGET="${2:-/opt/bank-rpa}"
PY="${PYTHON:-python3}"
say() { printf 'install-offline: %s\n' "$*"; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
tar -xzf "$BUNDLE" -C "$WORK" || { say "ERROR: 无法解开安装包 $BUNDLE，请确认文件完整" >&2; exit 2; }
B="$WORK/bank-rpa-offline"
(cd "$B" && sha256sum --check --quiet SHA256SUMS) || { say "ERROR: 安装包校验失败（SHA256SUMS 不符），请重新复制安装包" >&2; exit 2; }

shopt -s nullglob
debs=("$B"/debs/*.deb)
if (( ${#debs[@]} )) && (( ! SKIP_DEBS )); then
  say "installing ${#debs[@]} Debian packages from the bundle"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO dpkg --install --skip-same-version "${debs[@]}"
fi

# pip reads nothing from the machine's configuration: no index, no other find-links
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
mkdir -p "$TARGET/bin"
[[ -x "$TARGET/.venv/bin/python" ]] || "$PY" -m venv "$TARGET/.venv"
say "installing the locked Python dependencies (hashes checked)"
"$TARGET/.venv/bin/pip" install --quiet --no-index --find-links "$B/wheelhouse" \
  --require-hashes -r "$B/requirements/offline.lock"
say "installing the project"
"$TARGET/.venv/bin/pip" install --quiet --no-index --no-deps --force-reinstall "$B"/wheelhouse/bank_rpa-*.whl

cp -rn "$B/home/." "$TARGET/"
cp -r "$B/deploy" "$TARGET/"
cat > "$TARGET/bin/rpa" <<WRAPPER
#!/bin/sh
# rpa with its configuration folder: $TARGET
RPA_HOME="$TARGET" exec "$TARGET/.venv/bin/rpa" "\$@"
WRAPPER
chmod +x "$TARGET/bin/rpa"

"$TARGET/bin/rpa" --help >/dev/null
"$TARGET/.venv/bin/python" -m rpa.browser.check
say "installed in $TARGET; run $TARGET/bin/rpa (systemd unit templates in $TARGET/deploy)"
