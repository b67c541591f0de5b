"""A CloudFront stand-in for tests: serves generated image bytes over HTTP on
127.0.0.1 with Content-Length, Content-Type and a quoted MD5 ETag, for GET and
HEAD. `files` maps a URL path ("/img/a.jpg") to bytes; tests may change it
while the server runs.

    origin = ImageOrigin.start(self, {"/img/a.jpg": b"..."})  # addCleanup
    origin.url("/img/a.jpg")
"""

import hashlib
import http.server
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _head(self):
        body = self.server.files.get(self.path.split("?")[0])
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"%s"' % hashlib.md5(body).hexdigest())
        self.end_headers()
        return body

    def do_HEAD(self):
        self._head()

    def do_GET(self):
        body = self._head()
        if body:
            self.wfile.write(body)


class ImageOrigin:
    def __init__(self, server):
        self.server = server
        self.files = server.files
        self.base = "http://127.0.0.1:%d" % server.server_address[1]

    @classmethod
    def start(cls, testcase, files):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.files = files
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        origin = cls(server)
        testcase.addCleanup(origin.stop)
        return origin

    def url(self, path):
        return self.base + path

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
