#!/usr/bin/env python3
"""Records benchmark runs and turns them into a markdown report.

  report.py record --out runs.jsonl --variant V --tool T --proto P --conc C
                   --run I --time TIME_V_FILE --start S --end E --rc RC
                   --check CHECK_JSON_FILE --src-log LOG --dest-log LOG
  report.py summarize runs.jsonl      markdown tables on stdout

TIME_V_FILE is the output of `/usr/bin/time -v -o FILE`. Logs use the rig's
nginx format ("$msec METHOD STATUS BYTES ..."). MB = 10^6 bytes.
"""
import argparse
import collections
import json
import re
import statistics
import sys


def parse_time_v(path):
    out = {}
    for line in open(path):
        line = line.strip()
        for key, name in (("User time (seconds)", "user_s"),
                          ("System time (seconds)", "sys_s"),
                          ("Maximum resident set size (kbytes)", "maxrss_kb"),
                          ("Voluntary context switches", "vcsw"),
                          ("Involuntary context switches", "ivcsw")):
            if line.startswith(key + ":"):
                out[name] = float(line.split(":", 1)[1])
    return out


def count_log(path):
    methods = collections.Counter()
    statuses = collections.Counter()
    protos = collections.Counter()
    try:
        for line in open(path, errors="replace"):
            p = line.split(" ")
            if len(p) >= 3:
                methods[p[1]] += 1
                statuses[p[2]] += 1
            m = re.search(r'proto=(\S+)', line)
            if m:
                protos[m.group(1)] += 1
    except FileNotFoundError:
        pass
    return {"methods": dict(methods), "statuses": dict(statuses),
            "protocols": dict(protos)}


def second_half_fps(path):
    """Objects stored per second over the second half of a run: the PUTs
    that answered 2xx, from the middle one to the last (what a long run
    settles at, without start-up, connection set-up or CONCURRENCY=auto's
    search)."""
    times = []
    try:
        for line in open(path, errors="replace"):
            p = line.split(" ")
            if len(p) >= 3 and p[1] == "PUT" and p[2].startswith("2"):
                times.append(float(p[0]))
    except (FileNotFoundError, ValueError):
        return 0.0
    times.sort()
    if len(times) < 4:
        return 0.0
    mid = len(times) // 2
    span = times[-1] - times[mid]
    return (len(times) - 1 - mid) / span if span > 0 else 0.0


def record(a):
    rec = {"variant": a.variant, "tool": a.tool, "proto": a.proto,
           "conc": a.conc, "run": a.run, "rc": a.rc,
           "wall_s": round(a.end - a.start, 3)}
    rec.update(parse_time_v(a.time))
    try:
        rec["check"] = json.load(open(a.check))
    except (OSError, ValueError):
        rec["check"] = {"ok": False, "error": "no check output"}
    b0, s0 = (float(x) for x in a.cpu_before.split())
    b1, s1 = (float(x) for x in a.cpu_after.split())
    client = rec.get("user_s", 0) + rec.get("sys_s", 0)
    rec["servers_cpu_s"] = round(s1 - s0, 2)
    rec["machine_cpu_s"] = round(b1 - b0, 2)
    # CPU used by everything else on the machine meanwhile (other users).
    rec["other_cpu_s"] = round(max(0.0, (b1 - b0) - (s1 - s0) - client), 2)
    rec["source"] = count_log(a.src_log)
    rec["dest"] = count_log(a.dest_log)
    rec["half_fps"] = round(second_half_fps(a.dest_log), 1)
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    c = rec["check"]
    print(f"  {a.variant:<26} run {a.run}: {rec['wall_s']:7.2f} s wall, "
          f"CPU {rec.get('user_s', 0) + rec.get('sys_s', 0):6.2f} s, "
          f"RSS {rec.get('maxrss_kb', 0) / 1024:6.1f} MB, exit {a.rc}, "
          f"servers {rec['servers_cpu_s']:.2f} s, others "
          f"{rec['other_cpu_s']:.2f} s CPU, "
          f"dest {c.get('objects')}/{c.get('expected_objects')} objects "
          f"{'OK' if c.get('ok') else 'MISMATCH'}; "
          f"src {rec['source']['methods']} dest {rec['dest']['methods']}")


def metrics(r):
    files = r["check"].get("expected_objects") or 0
    nbytes = r["check"].get("expected_bytes") or 0
    cpu = r.get("user_s", 0) + r.get("sys_s", 0)
    w = max(r["wall_s"], 1e-9)
    src = r["source"]["methods"]
    dst = r["dest"]["methods"]
    return {
        "wall": r["wall_s"], "fps": files / w, "mbps": nbytes / w / 1e6,
        "cpu": cpu, "cpu_ms": cpu * 1000 / max(files, 1),
        "rss": r.get("maxrss_kb", 0) / 1024,
        "src_rpf": sum(src.values()) / max(files, 1),
        "dst_rpf": sum(dst.values()) / max(files, 1),
        "half": r.get("half_fps", 0),
        "srv": r.get("servers_cpu_s", 0),
        "other": r.get("other_cpu_s", 0) / w,
    }


def fmt_req(methods, files):
    return " ".join(f"{m} {n / max(files, 1):.2f}"
                    for m, n in sorted(methods.items()))


def summarize(path, targets):
    runs = [json.loads(l) for l in open(path) if l.strip()]
    groups = collections.OrderedDict()
    for r in runs:
        groups.setdefault(r["variant"], []).append(r)
    med = {}
    print("| variant | runs | wall s | files/s | 2nd half files/s | MB/s"
          " | CPU s | CPU ms/file | peak RSS MB | nginx CPU s | other load"
          " | source req/file | dest req/file | exit codes"
          " | destination check |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
          "---|---|")
    for v, rs in groups.items():
        ms = [metrics(r) for r in rs]
        m = {k: statistics.median(x[k] for x in ms) for k in ms[0]}
        med[v] = (rs[0], m)
        files = rs[0]["check"].get("expected_objects") or 0
        oks = sum(1 for r in rs if r["check"].get("ok"))
        print(f"| {v} | {len(rs)} | {m['wall']:.2f} | {m['fps']:.0f} | "
              f"{m['half']:.0f} | {m['mbps']:.0f} | {m['cpu']:.2f} | {m['cpu_ms']:.2f} | "
              f"{m['rss']:.1f} | {m['srv']:.2f} | {m['other']:.2f} | "
              f"{fmt_req(rs[-1]['source']['methods'], files)}"
              f" | {fmt_req(rs[-1]['dest']['methods'], files)} | "
              f"{','.join(str(r['rc']) for r in rs)} | {oks}/{len(rs)} ok |")
    print()
    print("Medians over the runs. CPU = user + sys of the client process "
          "(/usr/bin/time -v); nginx CPU = source + destination servers; "
          "2nd half files/s = objects stored per second from the middle "
          "PUT to the last (destination log); "
          "other load = CPU-seconds per second used meanwhile by processes "
          "outside the rig (of the machine's nproc); request counts from the "
          "last run's nginx logs. MB = 10^6 bytes.")
    print()
    ratio_rows = []
    for v, (r0, m) in med.items():
        if r0["tool"] != "cfmigrate":
            continue
        # rclone with the same protocol, the same number in flight if any.
        same = [(x, bm) for x, bm in med.values()
                if x["tool"] == "rclone" and x["proto"] == r0["proto"]]
        base = next((c for c in same if str(c[0]["conc"]) == str(r0["conc"])),
                    same[0] if same else None)
        if not base:
            continue
        bm = base[1]
        failed = [x["variant"] for x in (r0, base[0])
                  if not all(r["rc"] == 0 and r["check"].get("ok")
                             for r in groups[x["variant"]])]
        if failed:  # a run that did not copy everything proves nothing
            ratio_rows.append(f"| {v} / {base[0]['variant']} | no ratio: "
                              f"a run of {' and '.join(failed)} failed "
                              "| | |")
            continue
        fr = m["fps"] / bm["fps"]
        cr = m["cpu_ms"] / bm["cpu_ms"]
        rr = m["rss"] / bm["rss"]
        tf, tc, tr = targets
        ratio_rows.append(
            f"| {v} / {base[0]['variant']} | {fr:.2f} "
            f"({'meets' if fr >= tf else 'misses'} ≥ {tf:g}) | {cr:.2f} "
            f"({'meets' if cr <= tc else 'misses'} ≤ {tc:g}) | {rr:.2f} "
            f"({'meets' if rr <= tr else 'misses'} ≤ {tr:g}) |")
    if ratio_rows:
        print("| ratio cfmigrate / rclone | files/s | CPU per file | "
              "peak RSS |")
        print("|---|---|---|---|")
        print("\n".join(ratio_rows))
        print()
    print("<details><summary>every run</summary>\n")
    print("| variant | run | wall s | files/s | CPU s | RSS MB | nginx CPU s |"
          " other load | exit | check |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in runs:
        m = metrics(r)
        c = r["check"]
        print(f"| {r['variant']} | {r['run']} | {m['wall']:.2f} | "
              f"{m['fps']:.0f} | {m['cpu']:.2f} | {m['rss']:.1f} | "
              f"{m['srv']:.2f} | {m['other']:.2f} | {r['rc']} |"
              f" {c.get('objects')} obj, {c.get('bytes')} B, missing "
              f"{c.get('missing')}, md5 bad {c.get('md5_bad')}, cmp "
              f"{c.get('cmp_checked', 0)} bad {c.get('cmp_bad', 0)}"
              f"{'' if c.get('ok') else ' MISMATCH'} |")
    print("\n</details>")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    for n in ("out", "variant", "tool", "proto", "time", "check", "src_log",
              "dest_log"):
        r.add_argument("--" + n.replace("_", "-"), required=True)
    r.add_argument("--conc", default="0")
    r.add_argument("--run", type=int, required=True)
    r.add_argument("--rc", type=int, required=True)
    r.add_argument("--start", type=float, required=True)
    r.add_argument("--end", type=float, required=True)
    r.add_argument("--cpu-before", default="0 0")
    r.add_argument("--cpu-after", default="0 0")
    s = sub.add_parser("summarize")
    s.add_argument("runs")
    s.add_argument("--targets", default="1.6 0.7 0.7",
                   help="files/s ratio >=, CPU per file <=, peak RSS <=")
    a = ap.parse_args()
    if a.cmd == "record":
        record(a)
    else:
        summarize(a.runs, [float(x) for x in a.targets.split()])


if __name__ == "__main__":
    main()
