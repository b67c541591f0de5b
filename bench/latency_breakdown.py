#!/usr/bin/env python3
"""Where an object's time goes in one run of bench/run_migrate_bench.sh.

Reads a kept run's nginx logs (RUN/source.log and RUN/dest.log, written with
the rig's `bench` log format: end time, method, status, ..., request time,
URI) and matches each GET with the PUT of the same object. nginx's request
time starts when it reads the request's first byte and ends when it has
handed the last byte of its answer to the kernel, so per object:

  GET start -> PUT start   the source's delay, its body, and the client's
                           reaction to the GET's headers
  PUT                      the destination's delay and the body
  slot - GET start -> PUT end
                           the rest of a slot: the client's turnaround from
                           a PUT's answer to the next GET reaching nginx
                           (with N in flight a slot is N x span / objects)

  bench/run_migrate_bench.sh ... --tools cfmigrate --repeat 1 --keep
  bench/latency_breakdown.py WORK/runs/cfmigrate-https-c64-1 --in-flight 64
"""
import argparse
import os
import statistics


def read_log(path, method, strip=""):
    """{uri: (start, end)} in seconds, for `method` requests."""
    spans = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 7 or fields[1] != method:
                continue
            end, took = float(fields[0]), float(fields[5])
            uri = fields[-1].strip('"')
            if strip and uri.startswith(strip):
                uri = uri[len(strip):]
            spans[uri] = (end - took, end)
    return spans


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a kept run's directory (WORK/runs/NAME)")
    ap.add_argument("--in-flight", type=int, required=True,
                    help="the run's CONCURRENCY")
    ap.add_argument("--key-prefix", default="/bench-bucket/images",
                    help="what the PUT's URI has before the source path")
    args = ap.parse_args()
    gets = read_log(os.path.join(args.run, "source.log"), "GET")
    puts = read_log(os.path.join(args.run, "dest.log"), "PUT",
                    strip=args.key_prefix)
    pairs = [(gets[u], puts[u]) for u in gets if u in puts]
    if not pairs:
        raise SystemExit(f"{args.run}: no GET matches a PUT")
    n = len(pairs)
    span = (max(p[1] for _, p in pairs) - min(g[0] for g, _ in pairs))
    slot = args.in_flight * span / n
    rows = [
        ("GET start -> PUT start", [p[0] - g[0] for g, p in pairs]),
        ("GET", [g[1] - g[0] for g, _ in pairs]),
        ("PUT", [p[1] - p[0] for _, p in pairs]),
        ("GET start -> PUT end", [p[1] - g[0] for g, p in pairs]),
    ]
    print(f"{n} objects in {span:.2f} s: {n / span:.1f} files/s; "
          f"slot {slot * 1000:.1f} ms ({args.in_flight} in flight)")
    print(f"{'ms':24s} {'mean':>7s} {'p50':>7s} {'p90':>7s} {'p99':>7s}")
    for name, values in rows:
        values.sort()
        print(f"{name:24s} {statistics.mean(values) * 1000:7.1f} "
              f"{values[n // 2] * 1000:7.1f} {values[int(n * .9)] * 1000:7.1f} "
              f"{values[int(n * .99)] * 1000:7.1f}")
    whole = statistics.mean(rows[3][1])
    print(f"{'rest of a slot':24s} {(slot - whole) * 1000:7.1f}")


if __name__ == "__main__":
    main()
