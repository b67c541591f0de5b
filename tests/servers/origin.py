"""A CloudFront stand-in: a threaded stdlib HTTP origin with fault injection.

Serves registered images at their path (GET and HEAD) with Content-Length,
Content-Type, a quoted MD5 ETag (or another ETag style), Range support (206),
Accept-Ranges and x-amz-cf-pop. HTTP/1.1 keep-alive.

Per-path faults (a dict given to add()/set_fault() or in a JSON rules file):
  {"status": 503, "times": 2}           503 for the first 2 requests, then 200
  {"status": 429, "retry_after": "1"}   429 with Retry-After, always (no times)
  {"status": 404}                        (also 410, 403, 500, ...)
  {"reset": true, "times": 1}           headers + half the body, then TCP RST
  {"short": true}                        fewer bytes than Content-Length, close
  {"stall": 10, "after_bytes": 100}     send that much, then hang 10 s, close
  {"pause": 2, "after_bytes": 100}      send that much, wait 2 s, send the rest
  {"corrupt": true, "times": 1}         bytes differ from the MD5 ETag
  {"stall_headers": 10}                  hang before sending anything
Origin.latency (seconds) delays every response, to make runs last long
enough for the kill/interrupt tests.
"times" omitted means every request. Object options for add(): etag="md5"
(default), "multipart" ("<md5>-2"), "weak" (W/"<md5>"), "none", or any other
string used verbatim.

Counters: hits(path) counts every request for a (decoded) path, get_hits /
head_hits / range_hits separately; body_done(path) lists the monotonic times
at which a GET finished sending its body. Paths are keyed decoded ("/a b/é.jpg");
url(path) gives the percent-encoded URL.

Run standalone (used by scripts/demo.sh):
  python3 -m servers.origin --generate 300 --urls-out urls.txt --port-file p
"""
import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import images  # noqa: E402


class _Object:
    def __init__(self, body, content_type, etag):
        self.body = body
        self.content_type = content_type
        md5 = hashlib.md5(body).hexdigest()
        styles = {"md5": f'"{md5}"', "multipart": f'"{md5}-2"',
                  "weak": f'W/"{md5}"', "none": None}
        self.etag = styles.get(etag, etag)
        self.md5 = md5


class Origin:
    """The origin server. start() binds 127.0.0.1 on a free port."""

    def __init__(self, host="127.0.0.1", port=0, pop="SEA19-C1"):
        self.host, self.port, self.pop = host, port, pop
        self.latency = 0.0  # seconds every response waits before headers
        self._objects, self._faults = {}, {}
        self._hits, self._gets, self._heads, self._ranges = {}, {}, {}, {}
        self._fault_uses = {}
        self._body_done = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = None

    # --- content -----------------------------------------------------------
    def add(self, path, size=None, body=None, content_type=None, etag="md5",
            fault=None):
        """Registers an image at decoded `path`; returns its bytes."""
        path = "/" + path.lstrip("/")
        if body is None:
            size = images.size_for(path) if size is None else size
            body = images.image_bytes(path, size)
        ctype = content_type or images.content_type_for(path)
        with self._lock:
            self._objects[path] = _Object(body, ctype, etag)
            if fault is not None:
                self._faults[path] = dict(fault)
        return body

    def set_fault(self, path, fault):
        path = "/" + path.lstrip("/")
        with self._lock:
            if fault is None:
                self._faults.pop(path, None)
            else:
                self._faults[path] = dict(fault)
            self._fault_uses.pop(path, None)

    def body(self, path):
        return self._objects["/" + path.lstrip("/")].body

    def url(self, path):
        path = "/" + path.lstrip("/")
        return f"{self.base_url()}{urllib.parse.quote(path[1:], safe='/')}"

    def base_url(self):
        return f"http://{self.host}:{self.port}/"

    # --- counters ----------------------------------------------------------
    def hits(self, path):
        return self._hits.get("/" + path.lstrip("/"), 0)

    def get_hits(self, path):
        return self._gets.get("/" + path.lstrip("/"), 0)

    def head_hits(self, path):
        return self._heads.get("/" + path.lstrip("/"), 0)

    def range_hits(self, path):
        return self._ranges.get("/" + path.lstrip("/"), 0)

    def body_done(self, path):
        with self._lock:
            return list(self._body_done.get("/" + path.lstrip("/"), []))

    def _note_body_done(self, raw_path):
        path = _decoded_path(raw_path)
        with self._lock:
            self._body_done.setdefault(path, []).append(time.monotonic())

    def total_hits(self):
        with self._lock:
            return sum(self._hits.values())

    def stats(self):
        with self._lock:
            return {"hits": dict(self._hits), "gets": dict(self._gets),
                    "heads": dict(self._heads), "ranges": dict(self._ranges)}

    # --- lifecycle ---------------------------------------------------------
    def start(self):
        origin = self

        class Handler(_Handler):
            pass
        Handler.origin = origin
        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        t = threading.Thread(target=self._server.serve_forever,
                             kwargs={"poll_interval": 0.1}, daemon=True)
        t.start()
        return self

    def stop(self):
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- request bookkeeping (called by handler threads) --------------------
    def _lookup(self, raw_path, method, ranged):
        path = _decoded_path(raw_path)
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
            table = self._heads if method == "HEAD" else self._gets
            table[path] = table.get(path, 0) + 1
            if ranged:
                self._ranges[path] = self._ranges.get(path, 0) + 1
            obj = self._objects.get(path)
            fault = self._faults.get(path)
            if fault is not None:
                used = self._fault_uses.get(path, 0)
                times = fault.get("times")
                if times is not None and used >= times:
                    fault = None
                else:
                    self._fault_uses[path] = used + 1
        return path, obj, fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # Clients that reset or time out are part of the tests; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    origin = None  # set per server

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        if self.path.startswith("/__origin/stats"):
            return self._send_json(self.origin.stats())
        self._serve(head=False)

    def _send_json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_status(self, code, extra=None, head=False):
        data = f"{code} from test origin\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amz-cf-pop", self.origin.pop)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _serve(self, head):
        rng = self.headers.get("Range")
        path, obj, fault = self.origin._lookup(self.path, self.command, bool(rng))
        fault = fault or {}
        if self.origin.latency:
            time.sleep(self.origin.latency)
        if fault.get("stall_headers"):
            return self._stall(fault["stall_headers"])
        if "status" in fault:
            extra = {}
            if fault.get("retry_after") is not None:
                extra["Retry-After"] = str(fault["retry_after"])
            return self._send_status(int(fault["status"]), extra, head)
        if obj is None:
            return self._send_status(404, head=head)
        body, status, extra = obj.body, 200, {}
        if rng:
            parsed = _parse_range(rng, len(body))
            if parsed is None:
                return self._send_status(
                    416, {"Content-Range": f"bytes */{len(body)}"}, head)
            start, end = parsed
            body, status = body[start:end + 1], 206
            extra["Content-Range"] = f"bytes {start}-{end}/{len(obj.body)}"
        if fault.get("corrupt") and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        self.send_response(status)
        self.send_header("Content-Type", obj.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")
        if obj.etag is not None:
            self.send_header("ETag", obj.etag)
        self.send_header("x-amz-cf-pop", self.origin.pop)
        self.send_header("X-Cache", "Hit from cloudfront")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        self._write_body(body, fault)

    def _write_body(self, body, fault):
        half = len(body) // 2
        if fault.get("reset"):
            self.wfile.write(body[:half])
            return self._reset()
        if fault.get("short"):
            self.wfile.write(body[:half])
            self.close_connection = True
            return
        if fault.get("stall"):
            self.wfile.write(body[:int(fault.get("after_bytes", half))])
            return self._stall(fault["stall"])
        if fault.get("pause"):
            cut = int(fault.get("after_bytes", half))
            self.wfile.write(body[:cut])
            self.wfile.flush()
            time.sleep(float(fault["pause"]))
            body = body[cut:]
        self.wfile.write(body)
        self.wfile.flush()
        self.origin._note_body_done(self.path)

    def _reset(self):
        # SO_LINGER 0 makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _stall(self, seconds):
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline and not self.origin._stop.is_set():
            time.sleep(0.05)
        self.close_connection = True


def _decoded_path(raw_path):
    """The request path without its query, percent-decoded: the key of the
    counters and of registered objects."""
    return urllib.parse.unquote(raw_path.split("?", 1)[0],
                                errors="surrogateescape")


def _parse_range(header, size):
    """(start, end) inclusive for a single 'bytes=a-b' range, else None."""
    try:
        unit, spec = header.split("=", 1)
        if unit.strip() != "bytes" or "," in spec:
            return None
        first, last = spec.strip().split("-", 1)
        if first == "":
            n = int(last)
            start, end = max(0, size - n), size - 1
        else:
            start = int(first)
            end = int(last) if last else size - 1
        end = min(end, size - 1)
        if start > end or start >= size:
            return None
        return start, end
    except ValueError:
        return None


def generate_set(origin, count, top="auctionimages", seed="demo"):
    """Adds `count` images under /top/... and returns their paths."""
    paths = []
    for i in range(count):
        lot = i // 4
        ext = "png" if i % 10 == 9 else "jpg"
        path = f"/{top}/{seed}/lot-{lot:05d}/image-{i:06d}.{ext}"
        origin.add(path)
        paths.append(path)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--generate", type=int, default=0,
                    help="serve N generated images")
    ap.add_argument("--rules", help="JSON file {path: fault}")
    ap.add_argument("--urls-out", help="write the URLs of the images here")
    ap.add_argument("--port-file", help="write the bound port here")
    args = ap.parse_args(argv)
    origin = Origin(port=args.port).start()
    paths = generate_set(origin, args.generate)
    if args.rules:
        with open(args.rules) as f:
            for path, fault in json.load(f).items():
                if "/" + path.lstrip("/") not in origin._objects:
                    origin.add(path)
                origin.set_fault(path, fault)
    if args.urls_out:
        with open(args.urls_out, "w") as f:
            f.writelines(origin.url(p) + "\n" for p in paths)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(origin.port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"origin: {len(paths)} images on {origin.base_url()}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    origin.stop()


if __name__ == "__main__":
    main()
