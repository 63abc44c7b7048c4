#!/usr/bin/env sh
# Builds every fuzz target and runs each for 20 seconds, one at a time, from the committed seeds.
# Optional (not run in CI): `fuzz/smoke.sh` from anywhere; needs `cargo install cargo-fuzz` and a nightly toolchain.
# SECONDS_PER_TARGET=60 fuzz/smoke.sh runs longer. Exits non-zero at the first crash (its input is in fuzz/artifacts/).
set -eu
cd "$(dirname "$0")/.."
seconds="${SECONDS_PER_TARGET:-20}"
flags="--sanitizer none --debug-assertions"
nice cargo +nightly fuzz build $flags
for target in odata_json ndjson csv gzip config; do
    case "$target" in
        gzip) max_len=16384 ;;
        *) max_len=65536 ;;
    esac
    mkdir -p "fuzz/corpus/$target"
    echo "== $target (${seconds}s)"
    # One fuzzing process (no -jobs: its output stays on the terminal). New inputs go to fuzz/corpus/, not seeds/.
    # shellcheck disable=SC2086
    nice cargo +nightly fuzz run $flags "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
        -print_final_stats=1
done
