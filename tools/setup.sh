#!/usr/bin/env bash
# tools/setup.sh — install the Debian packages roadsafe needs to build, run
# and test.  Idempotent: does nothing when everything is present; uses sudo
# only when not root.  Usage: tools/setup.sh [--test]   (--test adds the
# packages the test suite uses: GDAL's command-line tools, sqlite3, python3
# (checks against the generator's truth; statsmodels for the KSI trend), clang for fuzzing,
# valgrind, chromium for opening the board pack headless, PostgreSQL 15 with
# PostGIS for the shared-workspace tests).
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libgeos-dev libproj-dev proj-data libpq-dev
            libshp-dev libsqlite3-dev libssl-dev zlib1g-dev libcairo2-dev libgsl-dev)
# clang builds the fuzz targets; libclang-rt-dev (only recommended by clang,
# and recommends are not installed) holds libFuzzer and the sanitizer runtimes.
# python3-statsmodels: the independent Poisson GLM the KSI target test checks against.
# postgresql-15 and postgresql-15-postgis-3: the throwaway clusters of the
# tests of the shared workspace (tests/e2e/pg_lib.sh).
test_pkgs=(gdal-bin sqlite3 python3 python3-statsmodels chromium clang libclang-rt-dev valgrind
           postgresql-15 postgresql-15-postgis-3)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "roadsafe setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
