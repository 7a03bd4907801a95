#!/usr/bin/env bash
# Install the Debian packages listed in scripts/system-packages.txt.
# Idempotent: when every package is already installed (dpkg-query check) it
# exits immediately without touching apt or the network.
# Otherwise: apt-get update (once), then apt-get install of the missing ones.
#
# Env: SYSTEM_PACKAGES_FILE  overrides the list (default: next to this script)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="${SYSTEM_PACKAGES_FILE:-$here/system-packages.txt}"

[[ -r $list ]] || { echo "install-system: cannot read $list" >&2; exit 1; }

# Strip comments, split on whitespace, drop blanks.
mapfile -t pkgs < <(sed -e 's/#.*//' "$list" | tr -s '[:space:]' '\n' | sed '/^$/d')
if ((${#pkgs[@]} == 0)); then
  echo "install-system: $list lists no packages" >&2
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  # db:Status-Abbrev is e.g. "ii " (installed) or "rc " (removed, config left);
  # the second letter is the current state, 'i' = installed.
  st="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
  [[ ${st:1:1} == i ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-system: all ${#pkgs[@]} system packages already installed"
  exit 0
fi

echo "install-system: installing ${missing[*]}"

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)   # -n: never prompt (CI has no stdin); fails fast instead
  else
    echo "install-system: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg (another checkout running setup) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

# A fresh machine (e.g. a container image) has empty package lists, and stale
# lists 404 on install, so refresh them once whenever something is missing.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -q
# With Recommends (apt's default), on purpose: that is how the reference
# machine was set up, and they matter for rendering (poppler-data,
# fonts-droid-fallback for Ghostscript, fonts-texgyre-math).
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -q "${missing[@]}" </dev/null

# Verify, so a silently skipped package surfaces here rather than in the tests.
still=()
for p in "${missing[@]}"; do
  st="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
  [[ ${st:1:1} == i ]] || still+=("$p")
done
if ((${#still[@]})); then
  echo "install-system: still not installed: ${still[*]}" >&2
  exit 1
fi
echo "install-system: done"
