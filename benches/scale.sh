#!/usr/bin/env bash
# Times the release binary on generated tenants: `validate` (reading everything once), `analyze` with the
# default formats, and `analyze --format access` (the full effective-access.csv), with wall time and peak memory
# from /usr/bin/time -v, plus the phase timings and grant-set counts the binary prints with DVPOSTURE_TIMINGS.
# Then, in the same run and over the same files, a DuckDB SQL baseline (benches/duckdb/baseline.py, DuckDB from
# PyPI in a virtual environment this script makes): workload A (the analysis: effective access per grant set,
# per-user summary, shares, ineffective shares, audit aggregates) and workload B (the full effective-access
# table as a sorted CSV), timed the same way; B's rows are checked against dvposture's (benches/duckdb/compare.py).
# Ends with one table: wall seconds and peak MiB of each run per size, and the ratios.
#
#   benches/scale.sh [USERS ...]        (default: 1000 10000 100000)
#   BENCH_DIR=/path benches/scale.sh    (where reports, outputs and the venv go; default /tmp/dvposture-bench)
#   TENANTS_DIR=/path                   (where the tenants are, generated when missing; default BENCH_DIR)
#   NO_DUCKDB=1                         (skip the DuckDB baseline)
#   DUCKDB_THREADS=N                    (DuckDB's threads; default the number of cores, as rayon uses)
#   KEEP_DUCKDB_CSV=1                   (keep DuckDB's effective-access.csv after the check; default removed)
#   RUNS=N                              (run each measurement N times: the fastest time, the highest peak memory)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
work=${BENCH_DIR:-/tmp/dvposture-bench}
tenants=${TENANTS_DIR:-$work}
mkdir -p "$work" "$tenants"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dvposture
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
duckdb=1
[ -z "${NO_DUCKDB:-}" ] || duckdb=
threads=${DUCKDB_THREADS:-$(nproc)}
runs=${RUNS:-1}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive number" >&2; exit 2; }

declare -A wall_s peak_mib agreement
measure() { # key (size:run), label, then the command; prints "label wall_s peak_MiB", keeps them for the table
    # With RUNS=N the command runs N times: the fastest wall time is kept (with that run's phase timings), and
    # the highest peak memory of all runs.
    local key=$1 label=$2; shift 2
    local log="$work/time.log" best="$work/time-best.log" wall rss best_wall="" best_rss=0 run
    for ((run = 1; run <= runs; run++)); do
        DVPOSTURE_TIMINGS=1 /usr/bin/time -v "$@" >"$work/stdout.log" 2>"$log" || { cat "$log" >&2; exit 1; }
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
        rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
        [ "$rss" -le "$best_rss" ] || best_rss=$rss
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
            cp "$log" "$best"
        fi
    done
    wall_s[$key]=$best_wall
    peak_mib[$key]=$best_rss
    printf '%-28s %10.2f s %8s MiB\n' "$label" "$best_wall" "$best_rss"
    grep -E '^(timing|detail):' "$best" | sed 's/^/    /' || true
}

if [ -n "$duckdb" ]; then
    venv="$work/duckdb-venv"
    command -v python3 >/dev/null || { echo "needs python3 (or NO_DUCKDB=1)" >&2; exit 2; }
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" || { echo "needs python3-venv (apt-get install python3-venv), or NO_DUCKDB=1" >&2; exit 2; }
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/duckdb/requirements.txt
    py="$venv/bin/python"
    echo "DuckDB $("$py" -c 'import duckdb; print(duckdb.__version__)'), $threads threads"
fi

for n in "${sizes[@]}"; do
    dir="$tenants/tenant-$n"
    if [ ! -f "$dir/.complete" ]; then
        echo "generating $n users ..."
        rm -rf "$dir"
        measure "$n:sample" "sample --users $n" "$bin" sample "$dir" --users "$n" --seed 1 --quiet
        touch "$dir/.complete"
    fi
    echo "== $n users ($(du -sh "$dir" | cut -f1))"
    measure "$n:validate" "validate" "$bin" validate "$dir" --quiet
    measure "$n:analyze" "analyze (default formats)" "$bin" analyze "$dir" --out "$work/report-$n" --quiet
    measure "$n:access" "analyze --format access" "$bin" analyze "$dir" --out "$work/access-$n" --format access --quiet
    echo "    effective-access.csv: $(wc -l <"$work/access-$n/effective-access.csv") lines, $(du -h "$work/access-$n/effective-access.csv" | cut -f1)"
    if [ -n "$duckdb" ]; then
        rm -rf "$work/duckdb-a-$n" "$work/duckdb-b-$n"
        measure "$n:duckdb-a" "duckdb A (analysis)" "$py" benches/duckdb/baseline.py A "$dir" "$work/duckdb-a-$n" --threads "$threads"
        measure "$n:duckdb-b" "duckdb B (effective access)" "$py" benches/duckdb/baseline.py B "$dir" "$work/duckdb-b-$n" --threads "$threads"
        echo "    duckdb effective-access.csv: $(wc -l <"$work/duckdb-b-$n/effective-access.csv") lines, $(du -h "$work/duckdb-b-$n/effective-access.csv" | cut -f1)"
        if "$py" benches/duckdb/compare.py "$work/duckdb-b-$n/effective-access.csv" "$work/access-$n/effective-access.csv" \
            >"$work/compare-$n.log"; then
            agreement[$n]=agree
        else
            agreement[$n]=DISAGREE
        fi
        sed 's/^/    /' "$work/compare-$n.log"
        [ -n "${KEEP_DUCKDB_CSV:-}" ] || rm -f "$work/duckdb-b-$n/effective-access.csv"
    fi
done

# One table: wall seconds / peak MiB per run, then the ratios of wall times.
cell() { # key
    if [ -n "${wall_s[$1]:-}" ]; then printf '%8.2f s %6s MiB' "${wall_s[$1]}" "${peak_mib[$1]}"; else printf '%21s' "-"; fi
}
ratio() { # numerator key, denominator key
    if [ -n "${wall_s[$1]:-}" ] && [ -n "${wall_s[$2]:-}" ]; then
        awk -v a="${wall_s[$1]}" -v b="${wall_s[$2]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
    else
        printf '-'
    fi
}
echo
echo "== summary (wall seconds, peak MiB; ratios of wall times)"
printf '%-7s | %-21s | %-21s | %-21s | %-21s | %-21s | %10s | %10s | %16s | %s\n' users validate "analyze (A)" \
    "access (B)" "duckdb A" "duckdb B" "dA/analyze" "dB/access" "analyze/validate" "B agrees"
for n in "${sizes[@]}"; do
    printf '%-7s | %s | %s | %s | %s | %s | %10s | %10s | %16s | %s\n' "$n" "$(cell "$n:validate")" "$(cell "$n:analyze")" \
        "$(cell "$n:access")" "$(cell "$n:duckdb-a")" "$(cell "$n:duckdb-b")" "$(ratio "$n:duckdb-a" "$n:analyze")" \
        "$(ratio "$n:duckdb-b" "$n:access")" "$(ratio "$n:analyze" "$n:validate")" "${agreement[$n]:--}"
done
failed=
for n in "${sizes[@]}"; do [ "${agreement[$n]:-}" != DISAGREE ] || failed=1; done
[ -z "$failed" ] || { echo "DuckDB's effective access disagrees with dvposture's: see $work/compare-*.log" >&2; exit 1; }
