"""A tiny API stand-in whose every answer comes from a Python function.

ScriptedApi(answer).start() listens on 127.0.0.1 (a free port); for each GET
it calls answer(req) with req.path, req.query (dict of first values),
req.headers and req.n (1 for the first request) and sends back the
(status, body, headers) it returns (body: str or a JSON-able value). Every
request is recorded in .requests (path with query, headers) for the tests
to count and inspect. Used by tests/test_collect_*.py.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, raw_path, headers, n):
        parts = urlsplit(raw_path)
        self.raw_path = raw_path
        self.path = parts.path
        self.query = {k: v[0] for k, v in
                      parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = headers
        self.n = n


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        api = self.server.api
        with api.lock:
            api.requests.append((self.path, dict(self.headers)))
            n = len(api.requests)
        status, body, headers = api.answer(Request(self.path, self.headers, n))
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client killed mid-request is expected in these tests


class ScriptedApi:
    def __init__(self, answer):
        self.answer = answer
        self.lock = threading.Lock()
        self.requests = []
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.api = self
        self.port = self.server.server_address[1]
        self.thread = None

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self):
        with self.lock:
            return len(self.requests)
