#!/usr/bin/env python3
"""Local stand-ins for the demo: a CloudFront-like origin serving generated
images, moto as S3 (SigV4 enforced, bucket created) and the integrity-checking
proxy in front of moto, all on 127.0.0.1 free ports.

Writes DIR/urls.txt and DIR/servers.env (shell variables: ORIGIN_URL,
AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
DESTINATION_BUCKET, PROXY_STATS_URL), then serves until SIGTERM/SIGINT, when
it stops everything it started.
"""
import argparse
import os
import signal
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from servers.moto import MotoS3  # noqa: E402
from servers.origin import Origin, generate_set  # noqa: E402
from servers.s3_proxy import S3Proxy  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=300)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bucket", default="demo-destination")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    moto = MotoS3.start(buckets=[args.bucket])
    proxy = origin = None
    try:
        proxy = S3Proxy(moto.port).start()
        origin = Origin().start()
        paths = generate_set(origin, args.images)
        with open(os.path.join(args.dir, "urls.txt"), "w") as f:
            f.writelines(origin.url(p) + "\n" for p in paths)
        env = {
            "ORIGIN_URL": origin.base_url(),
            "AWS_ENDPOINT_URL": proxy.endpoint(),
            "AWS_ACCESS_KEY_ID": moto.user.access_key,
            "AWS_SECRET_ACCESS_KEY": moto.user.secret_key,
            "AWS_REGION": moto.region,
            "DESTINATION_BUCKET": args.bucket,
            "PROXY_STATS_URL": proxy.endpoint() + "/__proxy/stats",
            "MOTO_ENDPOINT": moto.endpoint,
        }
        tmp = os.path.join(args.dir, "servers.env.tmp")
        with open(tmp, "w") as f:
            f.writelines(f"{k}='{v}'\n" for k, v in env.items())
        os.replace(tmp, os.path.join(args.dir, "servers.env"))
        total = sum(len(origin.body(p)) for p in paths)
        print(f"demo servers: {len(paths)} images ({total / 1e6:.1f} MB) on "
              f"{origin.base_url()}, S3 (moto behind the checking proxy) on "
              f"{proxy.endpoint()}, bucket {args.bucket}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        if origin:
            origin.stop()
        if proxy:
            proxy.stop()
        moto.stop()


if __name__ == "__main__":
    main()
