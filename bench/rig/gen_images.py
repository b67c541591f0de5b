#!/usr/bin/env python3
"""Deterministic image set for the migrate benchmark.

Writes COUNT files under ROOT/auctionimages/<group>/<N>.jpg whose sizes follow
a log-normal distribution (mean about --mean-kb, shape --sigma), plus a few
large ones (--large, 10.5-12 MB, above cfmigrate's 10 MB multipart cutoff).
Same seed, same bytes. Also writes, next to ROOT:
  urls.txt   one URL a line: URL_BASE + path   (cfmigrate's input)
  paths.txt  one path a line, relative to ROOT (rclone --files-from)
  manifest.tsv  path TAB bytes TAB md5         (for checking destinations)
and, with --etag-map FILE, the entries of an nginx map from $uri to the
file's MD5 as a quoted ETag ('/path "<md5>"' a line, to be included inside a
"map $uri $var { }" block): the origin then sends ETags like CloudFront in
front of an S3 origin.
Prints one summary line (files, total bytes, mean, max) as JSON.
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys


def sizes(count, mean, sigma, large, rng):
    mu = math.log(mean) - sigma * sigma / 2
    out = [max(2048, min(int(rng.lognormvariate(mu, sigma)), 12_000_000))
           for _ in range(count)]
    # Spread the large files evenly through the list.
    for j in range(large):
        i = (j * count) // max(large, 1) + count // (2 * max(large, 1))
        out[i] = rng.randint(10_500_000, 12_000_000)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="directory to fill")
    ap.add_argument("--out", required=True, help="where urls.txt etc. go")
    ap.add_argument("--url-base", required=True,
                    help="e.g. http://127.0.0.1:8080/")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--mean-kb", type=float, default=380)
    ap.add_argument("--sigma", type=float, default=0.8)
    ap.add_argument("--large", type=int, default=3,
                    help="files of 10.5-12 MB among COUNT")
    ap.add_argument("--seed", type=int, default=20261)
    ap.add_argument("--etag-map",
                    help="also write nginx map entries: URI -> \"md5\"")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    # The large files count toward the mean: the log-normal part is set so
    # that the whole set averages about --mean-kb.
    small = a.count - a.large
    target = a.count * a.mean_kb * 1000 - a.large * 11_250_000
    sz = sizes(a.count, max(target / max(small, 1), 4096), a.sigma, a.large,
               rng)
    pool = rng.randbytes(32 << 20)  # file bodies are slices of this pool
    base = a.url_base if a.url_base.endswith("/") else a.url_base + "/"
    total = 0
    etag_map = open(a.etag_map, "w") if a.etag_map else None
    with open(os.path.join(a.out, "urls.txt"), "w") as urls, \
         open(os.path.join(a.out, "paths.txt"), "w") as paths, \
         open(os.path.join(a.out, "manifest.tsv"), "w") as man:
        for i, n in enumerate(sz):
            num = 100000 + i
            rel = f"auctionimages/{(i // 250) % 40:03d}/{num}.jpg"
            # JPEG start marker + the file number, then a pool slice chosen
            # by the number, then the end marker: every file differs.
            head = b"\xff\xd8\xff\xe0" + num.to_bytes(8, "big")
            off = (num * 2654435761) % (len(pool) - n)
            body = head + pool[off:off + n - len(head) - 2] + b"\xff\xd9"
            path = os.path.join(a.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            total += len(body)
            urls.write(base + rel + "\n")
            paths.write(rel + "\n")
            md5 = hashlib.md5(body).hexdigest()
            man.write(f"{rel}\t{len(body)}\t{md5}\n")
            if etag_map:
                # $uri is the decoded path; these paths need no escaping.
                etag_map.write(f"/{rel} '\"{md5}\"';\n")
    if etag_map:
        etag_map.close()
    print(json.dumps({"files": a.count, "bytes": total,
                      "mean_kb": round(total / a.count / 1000, 1),
                      "max_bytes": max(sz)}))


if __name__ == "__main__":
    sys.exit(main())
