#!/usr/bin/env bash
# Times the release binary on generated tenants: `validate` (reading everything once), `analyze` with the
# default formats, and `analyze --format access` (the full effective-access.csv), with wall time and peak memory
# from /usr/bin/time -v, plus the phase timings and grant-set counts the binary prints with DVPOSTURE_TIMINGS.
#
#   benches/scale.sh [USERS ...]        (default: 1000 10000 100000)
#   BENCH_DIR=/path benches/scale.sh    (where tenants and reports go; default /tmp/dvposture-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
work=${BENCH_DIR:-/tmp/dvposture-bench}
mkdir -p "$work"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dvposture
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

measure() { # label, then the command; prints "label wall_s peak_MiB"
    local label=$1; shift
    local log="$work/time.log"
    DVPOSTURE_TIMINGS=1 /usr/bin/time -v "$@" >"$work/stdout.log" 2>"$log" || { cat "$log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
    printf '%-28s %10.2f s %8s MiB\n' "$label" "$wall" "$rss"
    grep -E '^(timing|detail):' "$log" | sed 's/^/    /' || true
}

for n in "${sizes[@]}"; do
    dir="$work/tenant-$n"
    if [ ! -f "$dir/.complete" ]; then
        echo "generating $n users ..."
        rm -rf "$dir"
        measure "sample --users $n" "$bin" sample "$dir" --users "$n" --seed 1 --quiet
        touch "$dir/.complete"
    fi
    echo "== $n users ($(du -sh "$dir" | cut -f1))"
    measure "validate" "$bin" validate "$dir" --quiet
    measure "analyze (default formats)" "$bin" analyze "$dir" --out "$work/report-$n" --quiet
    measure "analyze --format access" "$bin" analyze "$dir" --out "$work/access-$n" --format access --quiet
    echo "    effective-access.csv: $(wc -l <"$work/access-$n/effective-access.csv") lines, $(du -h "$work/access-$n/effective-access.csv" | cut -f1)"
done
