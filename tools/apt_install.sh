#!/usr/bin/env bash
# Install the Debian packages of the programs a command needs, if missing,
# when run as root with apt-get (CI containers, a fresh Debian):
#   bash tools/apt_install.sh chromium pdftoppm:poppler-utils
# Each argument is PROGRAM or PROGRAM:PACKAGE. Elsewhere it installs nothing:
# the tool or test that needs the program says what is missing.
set -euo pipefail
missing=()
for want in "$@"; do
  command -v "${want%%:*}" >/dev/null || missing+=("${want#*:}")
done
[ ${#missing[@]} -gt 0 ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
