"""A fake image-list API for `cfmigrate collect` tests and benchmarks.

Serves `items` deterministic items in any pagination style (page, offset,
cursor, next_url, link_header) behind any auth style (bearer, header, query,
none; a wrong or missing token gets 401), with several URLs per item,
duplicates, foreign URLs and scripted faults (429/503 bursts with
Retry-After, 500s, invalid JSON) keyed by the first item offset of a page,
so they hit the same page however often the client restarts.

Use in-process (FakeApi(config).start()) or as a program:
  python3 fake_api.py --style cursor --items 200000 [--port 0]
prints "PORT <n>" once listening. GET /_stats returns the request log.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_PREFIX = "https://d278yjzsv5tla9.cloudfront.net/"
FOREIGN_PREFIX = "https://foreign.example.com/"


class Config:
    def __init__(self, **kw):
        self.style = kw.get("style", "page")
        self.auth = kw.get("auth", "none")
        self.token = kw.get("token", "secret-token")
        self.auth_header = kw.get("auth_header", "X-API-Key")
        self.auth_param = kw.get("auth_param", "api_key")
        self.items = kw.get("items", 1000)
        self.urls_per_item = kw.get("urls_per_item", 1)
        self.dup_every = kw.get("dup_every", 0)
        self.foreign_every = kw.get("foreign_every", 0)
        self.prefix = kw.get("prefix", DEFAULT_PREFIX)
        self.max_page_size = kw.get("max_page_size", 100000)
        # {offset: [[kind, remaining, retry_after], ...]}, kind 429|503|500|badjson
        self.faults = {}
        for f in kw.get("faults", []):
            self.add_fault(*f)

    def add_fault(self, kind, offset, count, retry_after=None):
        self.faults.setdefault(int(offset), []).append(
            [str(kind), int(count), retry_after])


def item_urls(cfg, i):
    """The URLs item i carries, in order."""
    if cfg.urls_per_item == 1:
        urls = [f"{cfg.prefix}auctionimages/{i // 1000}/{i:07d}.jpg"]
    else:
        urls = [f"{cfg.prefix}auctionimages/{i // 1000}/{i:07d}_{k}.jpg"
                for k in range(cfg.urls_per_item)]
    if cfg.dup_every and i > 0 and i % cfg.dup_every == 0:
        urls[0] = item_urls(cfg, i - 1)[-1]
    if cfg.foreign_every and i % cfg.foreign_every == 1:
        urls[-1] = f"{FOREIGN_PREFIX}img/{i}.jpg"
    return urls


def expected_output(cfg):
    """urls.txt as cfmigrate collect must write it, and the invalid count."""
    seen, lines, invalid = set(), [], 0
    for i in range(cfg.items):
        for u in item_urls(cfg, i):
            if not u.startswith(cfg.prefix):
                invalid += 1
            elif u not in seen:
                seen.add(u)
                lines.append(u)
    return "".join(u + "\n" for u in lines), invalid


def render_item(cfg, i):
    urls = item_urls(cfg, i)
    if cfg.urls_per_item == 1:
        return '{"id":%d,"title":"Lot %d","url":"%s"}' % (i, i, urls[0])
    images = ",".join('{"url":"%s","w":640}' % u for u in urls)
    return '{"id":%d,"images":[%s]}' % (i, images)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def authorized(self, query):
        cfg = self.server.cfg
        if cfg.auth == "bearer":
            return self.headers.get("Authorization") == "Bearer " + cfg.token
        if cfg.auth == "header":
            return self.headers.get(cfg.auth_header) == cfg.token
        if cfg.auth == "query":
            return query.get(cfg.auth_param, [None])[0] == cfg.token
        return True

    def do_GET(self):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path == "/_stats":
            with self.server.lock:
                body = json.dumps({"requests": self.server.times,
                                   "unauthorized": self.server.unauthorized,
                                   "faults_served": self.server.faults_served})
            return self.reply(200, body)
        if parts.path != "/api/images":
            return self.reply(404, '{"error":"not found"}')
        with self.server.lock:
            self.server.times.append(time.monotonic())
        if not self.authorized(query):
            with self.server.lock:
                self.server.unauthorized += 1
            return self.reply(401, '{"error":"bad token"}')
        try:
            start, size = self.window(query)
        except (KeyError, ValueError, IndexError):
            return self.reply(400, '{"error":"bad parameters"}')
        fault = self.take_fault(start)
        if fault:
            return self.serve_fault(fault)
        self.serve_page(start, size)

    def window(self, query):
        cfg = self.server.cfg
        size_param = {"offset": "limit"}.get(cfg.style, "per_page")
        size = min(int(query.get(size_param, ["100"])[0]), cfg.max_page_size)
        if cfg.style in ("page", "link_header"):
            return (int(query.get("page", ["1"])[0]) - 1) * size, size
        if cfg.style == "offset":
            return int(query["offset"][0]), size
        if cfg.style == "cursor":
            cursor = query.get("cursor", [""])[0]
            return (int(cursor[2:], 16) if cursor else 0), size
        return int(query.get("after", ["0"])[0]), size  # next_url

    def take_fault(self, start):
        with self.server.lock:
            for f in self.server.cfg.faults.get(start, []):
                if f[1] > 0:
                    f[1] -= 1
                    self.server.faults_served += 1
                    return f
        return None

    def serve_fault(self, fault):
        kind, _, retry_after = fault
        headers = [("Retry-After", str(retry_after))] if retry_after else []
        if kind == "badjson":
            return self.reply(200, '{"data": [{"id": 1, "url": "trunc')
        return self.reply(int(kind), '{"error":"fault"}', headers)

    def serve_page(self, start, size):
        cfg = self.server.cfg
        end = min(cfg.items, start + size)
        items = "[" + ",".join(render_item(cfg, i)
                               for i in range(start, end)) + "]"
        more = end < cfg.items
        headers = []
        if cfg.style == "page":
            body = '{"data":%s,"total":%d}' % (items, cfg.items)
        elif cfg.style == "offset":
            body = '{"count":%d,"results":%s}' % (cfg.items, items)
        elif cfg.style == "cursor":
            nxt = json.dumps("c-%x" % end) if more else "null"
            body = '{"items":%s,"meta":{"next_cursor":%s}}' % (items, nxt)
        elif cfg.style == "next_url":
            nxt = "null"
            if more:
                nxt = json.dumps("/api/images?" + urlencode(
                    {"after": end, "per_page": size}))
            body = '{"items":%s,"links":{"next":%s}}' % (items, nxt)
        else:  # link_header: the body is the bare list
            body = items
            page = start // size + 1
            base = "http://%s:%d/api/images" % self.server.server_address[:2]
            links = ['<%s?page=1&per_page=%d>; rel="first"' % (base, size)]
            if more:
                links.append('<%s?page=%d&per_page=%d>; rel="next"'
                             % (base, page + 1, size))
            headers.append(("Link", ", ".join(links)))
        self.reply(200, body, headers)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed with SIGKILL resets its connection: expected here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeApi:
    def __init__(self, cfg):
        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.cfg = cfg
        self.server.lock = threading.Lock()
        self.server.times = []
        self.server.unauthorized = 0
        self.server.faults_served = 0
        self.port = self.server.server_address[1]
        self.thread = None

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/api/images" % self.port

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def request_times(self):
        with self.server.lock:
            return list(self.server.times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--style", default="page")
    p.add_argument("--auth", default="none")
    p.add_argument("--token", default="secret-token")
    p.add_argument("--items", type=int, default=1000)
    p.add_argument("--urls-per-item", type=int, default=1)
    p.add_argument("--dup-every", type=int, default=0)
    p.add_argument("--foreign-every", type=int, default=0)
    p.add_argument("--prefix", default=DEFAULT_PREFIX)
    p.add_argument("--fault", action="append", default=[],
                   help="KIND:OFFSET:COUNT[:RETRY_AFTER]")
    a = p.parse_args()
    cfg = Config(style=a.style, auth=a.auth, token=a.token, items=a.items,
                 urls_per_item=a.urls_per_item, dup_every=a.dup_every,
                 foreign_every=a.foreign_every, prefix=a.prefix,
                 faults=[f.split(":") for f in a.fault])
    api = FakeApi(cfg)
    print("PORT %d" % api.port, flush=True)
    try:
        api.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
