#!/usr/bin/env bash
# Install the bank RPA suite from a bundle made by scripts/make-offline-bundle.sh, on a machine
# with no network: no package index is reached (pip --no-index, dpkg from the bundle's files).
#
#   scripts/install-offline.sh [--skip-debs|--check-debs] BUNDLE.tar.gz [TARGET]   TARGET: /opt/bank-rpa
#
# TARGET receives .venv/ (the project and its locked dependencies), the configuration (selectors/,
# config/, calendar.yaml, schedules.yaml — files already there are kept, so a reinstall keeps the
# bank's edits) and bin/rpa, which runs `rpa` with RPA_HOME=TARGET. With --skip-debs the bundle's
# Debian packages are not installed (they are already on the machine); --check-debs only shows
# what apt would install from the bundle, and installs nothing.
set -euo pipefail

SKIP_DEBS=0
CHECK_DEBS=0
case "${1:-}" in
  --skip-debs) SKIP_DEBS=1; shift ;;
  --check-debs) CHECK_DEBS=1; shift ;;
esac
BUNDLE="${1:?usage: install-offline.sh [--skip-debs|--check-debs] BUNDLE.tar.gz [TARGET]}"
TARGET="${2:-/opt/bank-rpa}"
PY="${PYTHON:-python3}"
say() { printf 'install-offline: %s\n' "$*"; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
tar -xzf "$BUNDLE" -C "$WORK" || { say "ERROR: 无法解开安装包 $BUNDLE，请确认文件完整" >&2; exit 2; }
B="$WORK/bank-rpa-offline"
(cd "$B" && sha256sum --check --quiet SHA256SUMS) || { say "ERROR: 安装包校验失败（SHA256SUMS 不符），请重新复制安装包" >&2; exit 2; }

shopt -s nullglob
debs=()
for deb in "$B"/debs/*.deb; do
  # only packages missing here or older here than in the bundle: never a downgrade
  name="$(dpkg-deb --field "$deb" Package)"
  version="$(dpkg-deb --field "$deb" Version)"
  have="$(dpkg-query --show --showformat='${db:Status-Status} ${Version}' "$name" 2>/dev/null || true)"
  if [[ "$have" != installed\ * ]] || dpkg --compare-versions "${have#installed }" lt "$version"; then
    debs+=("$deb")
  fi
done
if (( CHECK_DEBS )); then
  say "${#debs[@]} Debian packages of the bundle are missing or older here; apt would do:"
  (( ${#debs[@]} )) && apt-get install -s -q --no-download --no-install-recommends \
    -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null "${debs[@]}"
  exit $?
fi
if (( ${#debs[@]} )) && (( ! SKIP_DEBS )); then
  say "installing ${#debs[@]} Debian packages from the bundle (the others are installed already)"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  # apt checks the whole set before dpkg changes anything, and downloads nothing
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download --no-install-recommends \
    -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null "${debs[@]}" || {
    say "ERROR: 系统软件包未能安装（上面是 apt 的说明；若本机的软件包比安装包里的新，请在同样版本的机器上重新制作安装包）" >&2
    exit 2
  }
elif (( ! SKIP_DEBS )); then
  say "every Debian package of the bundle is installed already"
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
