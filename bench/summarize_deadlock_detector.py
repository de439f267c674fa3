#!/usr/bin/env python3
"""Turns bench_deadlock_detector's JSON output into the tables of
docs/benchmarks.md ("Deadlock detector").

    build/absl-release/bench/bench_deadlock_detector --benchmark_repetitions=N \
        --benchmark_out=dd.json --benchmark_out_format=json
    # optional: the same benchmark from a -DWEFT_DEADLOCK_DETECTOR=OFF build
    build/absl-release-ddoff/bench/bench_deadlock_detector ... --benchmark_out=dd-out.json
    python3 bench/summarize_deadlock_detector.py dd.json [dd-out.json]

Every number is the median CPU time per lock+unlock pair over the
repetitions. "added" is `on` minus `off` of the same run (the detector's
cost per pair); the ratio is `on` over `off` (how many times slower). With
a second file (a compiled-out build, where enabling the detector does
nothing), its `off` cases are the compiled-out column and the cost of
compiling the detector in is `off` over that.
"""

import json
import sys

SHAPES = (
    ("uncontended", "lock+unlock, nothing else held"),
    ("nested", "lock+unlock while holding another lock of the same type"),
    ("uncontended_shared", "lock_shared+unlock_shared (absl: ReaderLock+ReaderUnlock)"),
)


def medians(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for r in data["benchmarks"]:
        if r.get("run_type") == "aggregate":
            if r.get("aggregate_name") != "median":
                continue
        elif any(b.get("run_type") == "aggregate" for b in data["benchmarks"]):
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6}[r["time_unit"]]
        out[r["run_name"]] = r["cpu_time"] * scale
    return data["context"], out


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    context, runs = medians(argv[1])
    out_runs = medians(argv[2])[1] if len(argv) == 3 else {}
    print(f"- date: {context.get('date')}")
    print(f"- load_avg: {context.get('load_avg')}")
    print(f"- absl: {context.get('absl')}")
    print()
    for shape, what in SHAPES:
        print(f"#### {shape}: {what}")
        print()
        head = "| lock | off (ns) | on (ns) | added (ns) | on / off |"
        rule = "| --- | ---: | ---: | ---: | ---: |"
        if out_runs:
            head += " compiled out (ns) | off / compiled out | on - compiled out (ns) |"
            rule += " ---: | ---: | ---: |"
        print(head)
        print(rule)
        locks = sorted(
            {n.split("/")[1] for n in runs if n.split("/")[0] == shape},
            key=lambda lock: (lock.startswith("absl"), lock),
        )
        for lock in locks:
            off = runs.get(f"{shape}/{lock}/off")
            on = runs.get(f"{shape}/{lock}/on")
            if off is None or on is None:
                continue
            row = f"| {lock} | {off:.1f} | {on:.1f} | {on - off:+.1f} | {on / off:.2f} |"
            if out_runs:
                out = out_runs.get(f"{shape}/{lock}/off")
                if out is None:
                    row += " - | - | - |"
                else:
                    row += f" {out:.1f} | {off / out:.2f} | {on - out:+.1f} |"
            print(row)
        print()


if __name__ == "__main__":
    main(sys.argv)
