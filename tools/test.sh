#!/usr/bin/env bash
# tools/test.sh — quick-start command (2): set up, build and run the whole
# test suite twice: a Release build and an AddressSanitizer +
# UndefinedBehaviorSanitizer build, both with warnings as errors.  A
# ThreadSanitizer build then runs the tests of the threaded telematics ingest
# (unit.test_ingest, e2e.test_ingest, e2e.test_ingest_direct, e2e.test_concurrency).  Then, when
# clang is installed, a libFuzzer build (-DROADSAFE_FUZZ=ON) fuzzes each
# tests/fuzz target for RS_FUZZ_SECONDS (default 60) under ASan+UBSan,
# starting from its seed corpus; a crash fails the run and leaves the input
# as build-test-fuzz/crash-*.
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

echo "== tsan build (threaded ingest) ==" >&2
dir=build-test-tsan
cmake -S . -B "$dir" -DROADSAFE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROADSAFE_TSAN=ON >/dev/null
cmake --build "$dir" -j "$jobs" --target roadsafe roadsafe-gen test_ingest test_csv
(cd "$dir" && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
   ctest --output-on-failure --no-tests=error -R '^(unit[.]test_ingest|unit[.]test_csv|e2e[.]test_ingest|e2e[.]test_ingest_direct|e2e[.]test_concurrency)$')

if command -v clang >/dev/null; then
  echo "== fuzz build ==" >&2
  dir=build-test-fuzz
  CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROADSAFE_FUZZ=ON >/dev/null
  cmake --build "$dir" -j "$jobs"
  secs=${RS_FUZZ_SECONDS:-60}
  for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    echo "-- fuzzing $t for $secs s" >&2
    mkdir -p "$dir/corpus/$t" "$dir/testtmp"  # new inputs go here; the seeds stay as they are
    (cd "$dir" && ASAN_OPTIONS=malloc_context_size=4:detect_leaks=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       LSAN_OPTIONS=suppressions=../tests/lsan.supp TMPDIR="$PWD/testtmp" \
       "./$t" -seed=1 -max_total_time="$secs" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
       "corpus/$t" "../tests/fuzz/corpus/$t" 2>"fuzz-$t.log") ||
      { tail -n 60 "$dir/fuzz-$t.log" >&2; echo "fuzzing $t found a crash (see $dir)" >&2; exit 1; }
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$dir/fuzz-$t.log" >&2 || true
  done
  echo "all tests passed (release, asan+ubsan and tsan builds; fuzzed ${secs} s per target)" >&2
else
  echo "all tests passed (release, asan+ubsan and tsan builds; no clang: not fuzzed)" >&2
fi
