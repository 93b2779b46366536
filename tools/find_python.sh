#!/usr/bin/env bash
# A CPython of one minor version (Colab's, for `make env-colab`), found or installed:
#   bash tools/find_python.sh find 3.13      # prints its path; exit 1, printing nothing, if none
#   bash tools/find_python.sh install 3.13   # the same, but installs one if none is found
#
# Found, first that works (runs, with ssl, zlib, ctypes, venv and ensurepip):
#   pythonX.Y on PATH (a pyenv shim of a version not selected does not run);
#   pyenv's X.Y.* (newest first, in $PYENV_ROOT or ~/.pyenv);
#   /usr/local/bin/pythonX.Y, /usr/bin/pythonX.Y;
#   one this script built before, in $DLBOOK_PYTHONS (default ~/.cache/dlbook/pythons).
# Installed, in this order (GitHub and python.org are not needed):
#   1. as root, apt's pythonX.Y and pythonX.Y-venv, if the configured sources have
#      them (Debian 13 and Ubuntu 24.10 and later have 3.13);
#   2. CPython built from Debian's source package of the release that ships X.Y
#      (RELEASE below: 3.13 is trixie), fetched with apt-get from the Debian mirror
#      this machine's apt already uses, its checksums checked against the signed
#      index; needs a C compiler and the -dev packages (the missing ones are
#      installed as root). About 4 CPU-minutes (10 minutes' wall time on a busy
#      2-core machine), once: the build is kept in $DLBOOK_PYTHONS.
# Otherwise it fails, naming what to install (or pass COLAB_PYTHON=... to make).
set -euo pipefail
cmd=${1:-}; want=${2:-}
[[ $cmd =~ ^(find|install)$ && $want =~ ^3\.[0-9]+$ ]] || {
  echo "usage: bash tools/find_python.sh find|install X.Y" >&2; exit 2; }
exe=python$want
cache=${DLBOOK_PYTHONS:-$HOME/.cache/dlbook/pythons}
# The Debian release whose source package of CPython X.Y is built when nothing else works.
declare -A RELEASE=([3.13]=trixie)

# works PY: PY is CPython X.Y with what a venv and pip need; prints its real path.
works() {
  "$1" -c "import sys, ssl, zlib, ctypes, venv, ensurepip
assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))
print(sys.executable)" 2>/dev/null
}

find_one() {
  local candidates=()
  command -v "$exe" >/dev/null && candidates+=("$(command -v "$exe")")
  local root=${PYENV_ROOT:-$HOME/.pyenv}
  # Newest patch release first.
  while read -r dir; do
    [ -n "$dir" ] && candidates+=("$dir/bin/$exe")
  done < <(ls -d "$root/versions/$want".* 2>/dev/null | grep -E "/$want\.[0-9]+$" | sort -rV)
  candidates+=("/usr/local/bin/$exe" "/usr/bin/$exe" "$cache/$want/bin/$exe")
  local py
  for py in "${candidates[@]}"; do
    [ -x "$py" ] && works "$py" && return 0
  done
  return 1
}

find_one && exit 0
[ "$cmd" = install ] || exit 1

say() { echo "find_python: $*" >&2; }
root=false; [ "$(id -u)" = 0 ] && root=true
have_apt=false; command -v apt-get >/dev/null && have_apt=true

# 1. The configured apt sources.
if $root && $have_apt; then
  apt-get update -qq >&2 || true
  if apt-cache show "$exe" "$exe-venv" >/dev/null 2>&1; then
    say "installing apt's $exe and $exe-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$exe" "$exe-venv" >/dev/null
    find_one && exit 0
  fi
fi

# 2. Built from Debian's source package.
build_from_debian() {
  local release=${RELEASE[$want]:-}
  [ -n "$release" ] || { say "no Debian release known for CPython $want (RELEASE in $0)"; return 1; }
  $have_apt || { say "no apt-get: cannot fetch Debian's source package"; return 1; }
  # The mirror this machine's apt uses for Debian itself (not its security archive).
  local mirror
  mirror=$(apt-get indextargets --format '$(REPO_URI) $(ORIGIN) $(LABEL)' 2>/dev/null \
           | awk '$2 == "Debian" && $3 == "Debian" {print $1; exit}')
  [ -n "$mirror" ] || { say "apt has no Debian mirror configured (run apt-get update?)"; return 1; }
  # What a CPython build needs; only the missing ones are installed (nothing upgraded).
  local need=() pkg
  for pkg in build-essential libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev \
             libsqlite3-dev libreadline-dev uuid-dev xz-utils; do
    dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
  done
  if $root && [ ${#need[@]} -gt 0 ]; then
    say "installing Debian's ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || return 1
  fi
  command -v cc >/dev/null && command -v make >/dev/null \
    || { say "no C compiler or make: apt-get install build-essential"; return 1; }
  local work; work=$(mktemp -d); chmod 755 "$work"
  # A private apt state: the system's sources and lists are left as they are.
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  echo "deb-src $mirror $release main" >"$work/sources.list"
  local apt=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
             -o APT::Sandbox::User="$(id -un)")
  say "fetching Debian $release's source package $exe from $mirror"
  apt-get -qq "${apt[@]}" update >&2 \
    && (cd "$work/src" && apt-get -qq "${apt[@]}" source --download-only "$exe" >&2) \
    || { say "apt-get could not fetch Debian's source package $exe"; rm -rf "$work"; return 1; }
  local tarball; tarball=$(ls "$work/src/${exe}_"*.orig.tar.* | head -n 1)
  tar -xf "$tarball" -C "$work/src"
  local srcdir; srcdir=$(ls -d "$work/src/Python-$want".* | head -n 1)
  say "building $(basename "$srcdir") into $cache/$want (a few minutes)"
  rm -rf "$cache/$want"
  (cd "$srcdir" && ./configure -q --prefix="$cache/$want" --with-ensurepip=install >&2 \
     && make -s -j"$(nproc)" >"$work/build.log" 2>&1 && make -s altinstall >>"$work/build.log" 2>&1) \
    || { tail -n 30 "$work/build.log" >&2; say "the build failed"; rm -rf "$work"; return 1; }
  rm -rf "$work"
}
if build_from_debian && find_one; then exit 0; fi

say "no Python $want was found and none could be installed. Install one, e.g.:"
say "  Debian 13 or Ubuntu 24.10+: apt-get install $exe $exe-venv"
say "  pyenv: pyenv install $want;  GitHub Actions: actions/setup-python with $want"
say "or name one: make env-colab COLAB_PYTHON=/path/to/$exe"
exit 1
