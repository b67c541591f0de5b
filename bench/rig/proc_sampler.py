#!/usr/bin/env python3
"""Samples a process every INTERVAL seconds until it exits: one line per
sample, "EPOCH_SECONDS CPU_SECONDS RSS_MB" (CPU = utime + stime).

Usage: proc_sampler.py PID OUT [INTERVAL]"""
import os
import sys
import time


def main():
    pid, out = int(sys.argv[1]), sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    tck = os.sysconf("SC_CLK_TCK")
    with open(out, "w", buffering=1) as f:
        while True:
            try:
                with open(f"/proc/{pid}/stat") as s:
                    st = s.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/status") as s:
                    rss = next((int(l.split()[1]) for l in s
                                if l.startswith("VmRSS:")), 0)
            except (OSError, StopIteration, IndexError):
                return
            if st[0] == "Z":
                return
            cpu = (int(st[11]) + int(st[12])) / tck
            f.write(f"{time.time():.3f} {cpu:.2f} {rss / 1024:.1f}\n")
            time.sleep(interval)


if __name__ == "__main__":
    main()
