#!/usr/bin/env python3
"""Input for the startup test: a LINES-line urls.txt (URL_BASE img/NNNNNNNNN.jpg,
unique file names) and a completed.txt naming the first DONE of them as
already migrated (URL TAB KEY TAB BYTES TAB CHECKSUM, keys as cfmigrate's
default flattened mapping under images/ would give)."""
import argparse
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url-base", required=True)
    ap.add_argument("--lines", type=int, default=4_000_000)
    ap.add_argument("--done", type=int, default=2_000_000)
    ap.add_argument("--urls", required=True)
    ap.add_argument("--completed", required=True)
    ap.add_argument("--prefix", default="images/")
    ap.add_argument("--body-bytes", type=int, default=17)
    a = ap.parse_args()
    base = a.url_base if a.url_base.endswith("/") else a.url_base + "/"
    os.makedirs(os.path.dirname(os.path.abspath(a.completed)), exist_ok=True)
    with open(a.urls, "w", buffering=1 << 20) as u, \
         open(a.completed, "w", buffering=1 << 20) as c:
        batch_u, batch_c = [], []
        for i in range(a.lines):
            name = f"{i:09d}.jpg"
            url = f"{base}img/{name}"
            batch_u.append(url + "\n")
            if i < a.done:
                batch_c.append(f"{url}\t{a.prefix}{name}\t{a.body_bytes}\t"
                               f"crc32c:0f2d1a3c\n")
            if len(batch_u) >= 100_000:
                u.write("".join(batch_u))
                c.write("".join(batch_c))
                batch_u, batch_c = [], []
        u.write("".join(batch_u))
        c.write("".join(batch_c))


if __name__ == "__main__":
    main()
