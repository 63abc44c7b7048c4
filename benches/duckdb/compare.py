#!/usr/bin/env python3
"""Checks that the DuckDB baseline's effective access agrees with dvposture's, row for row.

    compare.py B_DUCKDB_CSV DVPOSTURE_EFFECTIVE_ACCESS_CSV [--show 10]

Both files are read by their headers and compared on the projection (systemuserid, privilege, depth): dvposture
writes one row per enabled user and privilege held, with the broadest depth (its `business_units` and `via`
columns, the reach below Global and the paths, are not compared), and so does the baseline. Both are streamed
(no file is held in memory: dvposture's is 11 GB at 100,000 users) and merged on (systemuserid, privilege),
which both must be sorted by, strictly: a row out of order or a repeated key is a disagreement too.

Prints `agree` or `disagree` with the counts and the first differences; exits 1 on disagreement, 2 on bad usage.
"""

import argparse
import csv
import sys

COLUMNS = ("systemuserid", "privilege", "depth")


class Problems:
    def __init__(self, keep):
        self.count, self.first, self.keep = 0, [], keep

    def add(self, text):
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(text)


def rows(path, problems):
    """(systemuserid, privilege, depth) of every row, as bytes (compared bytewise, as both files are sorted),
    checking that (systemuserid, privilege) increases strictly."""
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8-sig")
        header = next(csv.reader([first]))
        try:
            i0, i1, i2 = (header.index(c) for c in COLUMNS)
        except ValueError:
            sys.exit(f"{path}: header {header} lacks one of {COLUMNS}")
        width = len(header)
        prev = None
        line_no = 1
        for line in f:
            line_no += 1
            if b'"' in line:
                # Quoted fields (names with commas or quotes): parse properly, joining lines while a quote is open.
                buf = line
                while True:
                    try:
                        parsed = next(csv.reader([buf.decode("utf-8")], strict=True))
                    except csv.Error:
                        parsed = None
                    if parsed is not None and buf.count(b'"') % 2 == 0:
                        break
                    more = f.readline()
                    if not more:
                        break
                    buf += more
                fields = [x.encode("utf-8") for x in parsed or []]
            else:
                fields = line.rstrip(b"\r\n").split(b",", width - 1)
            if len(fields) != width:
                problems.add(f"{path}:{line_no}: {len(fields)} fields, expected {width}")
                continue
            key = (fields[i0], fields[i1])
            if prev is not None and key <= prev:
                problems.add(
                    f"{path}:{line_no}: {text(key)} {'repeats' if key == prev else 'is out of order after'} {text(prev)}"
                )
            prev = key
            yield key, fields[i2]


def text(fields):
    return ",".join(x.decode("utf-8", "replace") for x in fields)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("duckdb_csv")
    ap.add_argument("dvposture_csv")
    ap.add_argument("--show", type=int, default=10, help="how many differences to print")
    a = ap.parse_args()

    problems = Problems(a.show)
    diffs = []
    counts = {"duckdb rows": 0, "dvposture rows": 0, "agreeing": 0, "depth differs": 0,
              "only in duckdb": 0, "only in dvposture": 0}
    end = object()
    da = rows(a.duckdb_csv, problems)
    db = rows(a.dvposture_csv, problems)
    x = next(da, end)
    y = next(db, end)
    while x is not end or y is not end:
        if y is end or (x is not end and x[0] < y[0]):
            counts["only in duckdb"] += 1
            counts["duckdb rows"] += 1
            if len(diffs) < a.show:
                diffs.append(f"only in duckdb:    {text(x[0] + (x[1],))}")
            x = next(da, end)
        elif x is end or y[0] < x[0]:
            counts["only in dvposture"] += 1
            counts["dvposture rows"] += 1
            if len(diffs) < a.show:
                diffs.append(f"only in dvposture: {text(y[0] + (y[1],))}")
            y = next(db, end)
        else:
            counts["duckdb rows"] += 1
            counts["dvposture rows"] += 1
            if x[1] == y[1]:
                counts["agreeing"] += 1
            else:
                counts["depth differs"] += 1
                if len(diffs) < a.show:
                    diffs.append(f"depth differs:     {text(x[0])}: duckdb {text((x[1],))}, dvposture {text((y[1],))}")
            x = next(da, end)
            y = next(db, end)

    ok = problems.count == 0 and counts["agreeing"] == counts["duckdb rows"] == counts["dvposture rows"]
    print(("agree" if ok else "disagree") + " on (systemuserid, privilege, depth): "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if problems.count:
        print(f"{problems.count} order or format problems, first {len(problems.first)}:")
        for p in problems.first:
            print("  " + p)
    for d in diffs:
        print("  " + d)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
