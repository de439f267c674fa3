#!/usr/bin/env python3
"""Turns bench_locks' JSON output into the Markdown tables of docs/benchmarks.md.

    build/bench-release/bench/bench_locks --benchmark_out=locks.json \
        --benchmark_out_format=json [--benchmark_repetitions=N]
    python3 bench/summarize_locks.py locks.json

Ratios are against the standard library's lock measured in the same run
(std::mutex, or std::shared_mutex for read_mostly), as throughput: a lock's
operations per second over the baseline's, so 1.00 is parity and higher is
better. With repetitions, the median of each configuration is used.
"""

import json
import re
import sys
from collections import defaultdict

BASELINE = {"contended": "std::mutex", "read_mostly": "std::shared_mutex"}


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs = data["benchmarks"]
    has_aggregates = any(r.get("run_type") == "aggregate" for r in runs)
    chosen = {}
    cv = {}
    for r in runs:
        if has_aggregates:
            if r.get("run_type") == "aggregate" and r.get("aggregate_name") == "cv":
                cv[r["run_name"]] = r
            if r.get("run_type") != "aggregate" or r.get("aggregate_name") != "median":
                continue
        elif r.get("run_type") == "aggregate":
            continue
        chosen[r["run_name"]] = r
    for name, r in chosen.items():
        if name in cv and "items_per_second" in cv[name]:
            r["throughput_cv"] = cv[name]["items_per_second"]
    return data["context"], chosen


def fmt_rate(x):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f}{unit}/s"
    return f"{x:.0f}/s"


def fmt_ns(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} ms"
    if x >= 1e3:
        return f"{x / 1e3:.1f} us"
    return f"{x:.0f} ns"


def uncontended(runs):
    families = (("uncontended_lock_unlock", "std::mutex", "lock+unlock"),
                ("uncontended_lock_shared_unlock_shared", "std::shared_mutex",
                 "lock_shared+unlock_shared"))
    for family, base_lock, op in families:
        rows = {}
        for name, r in runs.items():
            m = re.fullmatch(family + r"<(.+)>", name)
            if m:
                rows[m.group(1)] = r["real_time"]  # ns per pair
        if not rows:
            continue
        base = rows.get(base_lock)
        print(f"| lock | ns per {op} | throughput ratio vs {base_lock} |")
        print("| --- | ---: | ---: |")
        for lock, ns in sorted(rows.items(), key=lambda kv: (kv[0] != base_lock, kv[0])):
            ratio = f"{base / ns:.2f}" if base else "n/a"
            print(f"| {lock} | {ns:.1f} | {ratio} |")
        print()


def contended(runs, family):
    table = defaultdict(dict)  # (cs, threads) -> lock -> run
    locks = []
    for name, r in runs.items():
        m = re.fullmatch(family + r"/cs_ns:(\d+)/threads:(\d+)/(.+?)/iterations:1/manual_time", name)
        if not m:
            continue
        cs, threads, lock = int(m.group(1)), int(m.group(2)), m.group(3)
        table[(cs, threads)][lock] = r
        if lock not in locks:
            locks.append(lock)
    if not table:
        return
    base = BASELINE[family]
    locks.sort(key=lambda lock: (lock != base, lock))
    print(f"Throughput ratio vs {base} (same run; higher is better):\n")
    print("| cs | threads | " + " | ".join(locks) + " |")
    print("| ---: | ---: | " + " | ".join("---:" for _ in locks) + " |")
    for (cs, threads) in sorted(table):
        row = table[(cs, threads)]
        b = row.get(base)
        cells = []
        for lock in locks:
            r = row.get(lock)
            if r is None or b is None:
                cells.append("n/a")
            else:
                cells.append(f"{r['items_per_second'] / b['items_per_second']:.2f}")
        print(f"| {cs} ns | {threads} | " + " | ".join(cells) + " |")
    print()
    extra = family == "read_mostly"
    print("Raw numbers (throughput in acquisitions per second, with its coefficient of "
          "variation over the repetitions; fairness = a thread's share of acquisitions over "
          "the fair share; wait = time inside lock(), clock overhead included):\n")
    header = ("| cs | threads | lock | throughput | cv | fair min | fair max | wait p50 | wait p99 "
              "| wait max |")
    sep = "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    if extra:
        header += " read p99 | write p99 | write max |"
        sep += " ---: | ---: | ---: |"
    print(header)
    print(sep)
    for (cs, threads) in sorted(table):
        for lock in locks:
            r = table[(cs, threads)].get(lock)
            if r is None:
                continue
            cv = r.get("throughput_cv")
            cv_text = f"{cv * 100:.0f}%" if cv is not None else "n/a"
            line = (f"| {cs} ns | {threads} | {lock} | {fmt_rate(r['items_per_second'])} | "
                    f"{cv_text} | {r['fair_min']:.2f} | {r['fair_max']:.2f} | {fmt_ns(r['wait_p50_ns'])} | "
                    f"{fmt_ns(r['wait_p99_ns'])} | {fmt_ns(r['wait_max_ns'])} |")
            if extra:
                line += (f" {fmt_ns(r['rd_p99_ns'])} | {fmt_ns(r['wr_p99_ns'])} | "
                         f"{fmt_ns(r['wr_max_ns'])} |")
            if r.get("samples_dropped"):
                line += f" ({r['samples_dropped']:.0f} samples dropped)"
            print(line)
    print()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    context, runs = load(sys.argv[1])
    keys = ("date", "num_cpus", "mhz_per_cpu", "load_avg", "weft_window_ms", "clock_ns_per_tick",
            "clock_overhead_ns", "busy_work_iterations_per_ns")
    for k in keys:
        if k in context:
            print(f"- {k}: {context[k]}")
    print()
    print("#### Uncontended\n")
    uncontended(runs)
    print("#### Contended\n")
    contended(runs, "contended")
    print("#### Read-mostly\n")
    contended(runs, "read_mostly")


if __name__ == "__main__":
    main()
