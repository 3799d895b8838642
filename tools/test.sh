#!/usr/bin/env bash
# tools/test.sh — quick-start command (2): set up, build and run the whole
# test suite twice: a Release build and an AddressSanitizer +
# UndefinedBehaviorSanitizer build, both with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --test
jobs=$(nproc 2>/dev/null || echo 2)
for kind in release asan; do
  dir="build-test-$kind"
  extra=()
  if [ "$kind" = asan ]; then
    extra=(-DCMAKE_BUILD_TYPE=Debug -DROADSAFE_SANITIZE=ON)
  else
    extra=(-DCMAKE_BUILD_TYPE=Release)
  fi
  echo "== $kind build ==" >&2
  cmake -S . -B "$dir" -DROADSAFE_WERROR=ON "${extra[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure --no-tests=error -j "$jobs")
done
echo "all tests passed (release and asan+ubsan builds)" >&2
