#!/usr/bin/env bash
# Shows that reading the audit log takes memory that does not grow with its rows: `validate` on a generated
# tenant, then on the same tenant with its audit log repeated ten times (the same users, tables and hours, ten
# times the rows), comparing peak memory.
#
#   benches/audit_memory.sh [USERS]     (default 2000: 200,000 audit rows, then 2,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-2000}
work=${BENCH_DIR:-/tmp/dvposture-bench}/audit-memory
rm -rf "$work"
mkdir -p "$work"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dvposture
"$bin" sample "$work/x1" --users "$users" --seed 7 --quiet
cp -r "$work/x1" "$work/x10"
for _ in $(seq 9); do cat "$work/x1/audits.ndjson"; done >>"$work/x10/audits.ndjson"
for t in x1 x10; do
    rows=$(wc -l <"$work/$t/audits.ndjson")
    /usr/bin/time -v "$bin" validate "$work/$t" --quiet >/dev/null 2>"$work/$t.time" || true
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/$t.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/$t.time")
    printf '%-4s %12s audit rows  peak %8s MiB  wall %s\n' "$t" "$rows" "$rss" "$wall"
done
