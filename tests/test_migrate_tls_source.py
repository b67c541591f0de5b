"""An https source whose answers arrive as bursts of TLS records.

cfmigrate reads https bodies with OpenSSL's read-ahead (several records per
recv), and curl 7.88 looks only at the current record and the socket before
it waits, so records left in OpenSSL's buffer after a burst must be read
without a socket event (src/http_multi.cc, ReadBuffered). This origin sends
each answer as many small TLS records sent in one burst and then keeps
the connection open and silent, as a keep-alive CDN does: a record left
unread stalls its transfer until the download timeout, and the run ends
with failures instead of these objects. The origin serves the S3 proxy's
certificate, so one CA file names both; it is read once per run.
"""
import hashlib
import os
import shutil
import socket
import ssl
import threading
import unittest
import urllib.parse

from migrate_rig import MigrateTestCase

KB = 1 << 10


class BurstOrigin:
    """https on 127.0.0.1; every answer one burst (one send) of TLS records.

    add(path, body, style): style "length" (Content-Length, the body in
    `record`-byte TLS records), "chunked" (chunk size line, data and CRLF
    each their own record) or "split" ("length", with the burst cut in the
    middle of its last record and `pause` s between the two halves).
    """

    def __init__(self, cert_dir, record=1000, pause=0.3):
        """`cert_dir` holds cert.pem (self-signed) and key.pem."""
        self.record, self.pause = record, pause
        self._objects = {}
        self.ca_file = os.path.join(cert_dir, "cert.pem")
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.ca_file,
                                      os.path.join(cert_dir, "key.pem"))
        # Connection: close after each answer, and a hook called with each
        # request's path before it is answered.
        self.close_each = False
        self.on_request = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self.connections = 0

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self):
        self._stop.set()
        self._listener.close()

    def add(self, path, body, style):
        self._objects[path] = (body, style)

    def base_url(self):
        return f"https://127.0.0.1:{self.port}/"

    def url(self, path):
        return self.base_url() + urllib.parse.quote(path.lstrip("/"))

    def _accept(self):
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(raw,),
                             daemon=True).start()

    def _serve(self, raw):
        # The TLS layer works on memory buffers, so the test decides where
        # the ciphertext is cut into sends.
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self._context.wrap_bio(incoming, outgoing, server_side=True)
        try:
            with raw:
                pending = b""
                while not self._stop.is_set():
                    try:
                        if b"\r\n\r\n" in pending:
                            head, pending = pending.split(b"\r\n\r\n", 1)
                            method, target = head.split(b" ")[:2]
                            path = urllib.parse.unquote(target.decode())
                            if self.on_request:
                                self.on_request(path)
                            self._answer(tls, outgoing, raw, method.decode(),
                                         path)
                            if self.close_each:
                                return
                            continue
                        if not tls.version():
                            tls.do_handshake()
                        pending += tls.read(64 * KB)
                    except ssl.SSLWantReadError:
                        raw.sendall(outgoing.read())
                        data = raw.recv(64 * KB)
                        if not data:
                            return
                        incoming.write(data)
                    raw.sendall(outgoing.read())
        except (OSError, ssl.SSLError, ValueError):
            return

    def _answer(self, tls, outgoing, raw, method, path):
        if path not in self._objects:
            tls.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            raw.sendall(outgoing.read())
            return
        body, style = self._objects[path]
        md5 = hashlib.md5(body).hexdigest()
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                f'ETag: "{md5}"\r\n')
        head += ("Transfer-Encoding: chunked\r\n" if style == "chunked"
                 else f"Content-Length: {len(body)}\r\n")
        if self.close_each:
            head += "Connection: close\r\n"
        pieces = [(head + "\r\n").encode()]
        if method == "GET" and style == "chunked":
            for i in range(0, len(body), self.record):
                piece = body[i:i + self.record]
                pieces += [b"%x\r\n" % len(piece), piece, b"\r\n"]
            pieces.append(b"0\r\n\r\n")
        elif method == "GET":
            pieces += [body[i:i + self.record]
                       for i in range(0, len(body), self.record)]
        for piece in pieces:  # each write is one TLS record
            tls.write(piece)
        burst = outgoing.read()
        if style == "split" and method == "GET":
            # The ciphertext cut in the middle of a record: the client has
            # half a record until the pause ends.
            cut = len(burst) - (self.record + 20) // 2
            raw.sendall(burst[:cut])
            self._stop.wait(self.pause)
            burst = burst[cut:]
        raw.sendall(burst)


class TlsSourceTest(MigrateTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The S3 proxy's certificate and key: one CA file for both sides.
        cls.burst = BurstOrigin(os.path.dirname(cls.proxy.ca_file)).start()
        cls.addClassCleanup(cls.burst.stop)

    def setUp(self):
        super().setUp()
        self.burst.close_each, self.burst.on_request = False, None
        self.ca_file = self.burst.ca_file

    def env(self, endpoint=None):
        env = super().env(endpoint)
        env["CURL_CA_BUNDLE"] = env["AWS_CA_BUNDLE"] = self.ca_file
        return env

    def args(self, urls_file, extra=(), bucket=None, state_dir=None):
        argv = super().args(urls_file, extra, bucket, state_dir)
        argv[argv.index("--source-url-prefix") + 1] = self.burst.base_url()
        return argv

    def _copy(self, style, sizes, extra=()):
        stem = self.unique(style)
        images = {}
        for i, size in enumerate(sizes):
            path = f"/{stem}/{i}.jpg"
            images[path] = hashlib.sha256(path.encode()).digest() * (
                size // 32) + b"x" * (size % 32)
            self.burst.add(path, images[path], style)
        run = self.migrate([self.burst.url(p) for p in images], extra)
        self.assert_arrived(run, images)
        return run

    def test_records_left_after_a_burst_are_read(self):
        # One transfer at a time over one kept-alive connection: every
        # answer ends with records in OpenSSL's buffer and a silent socket.
        # Bodies larger than the ring also pause the GET with records
        # buffered, and resume it from the PUT's side.
        connections = self.burst.connections
        self._copy("length", [300, 5 * KB, 200 * KB, 700 * KB, 64 * KB + 1],
                   ["--concurrency", "1"])
        self.assertEqual(self.burst.connections, connections + 1)

    def test_chunk_framing_records_do_not_end_the_reading(self):
        # Records holding only a chunk's size line or its CRLF give curl
        # no body bytes; the records after them must still be read.
        self._copy("chunked", [3 * KB, 150 * KB], ["--concurrency", "1"])

    def test_many_transfers_at_once(self):
        self._copy("length", [(i * 37 % 250 + 1) * KB for i in range(24)],
                   ["--concurrency", "8"])

    def test_a_record_split_across_a_pause_completes(self):
        # The buffer ends mid-record: nothing to act on until the rest
        # arrives, which a socket event announces.
        self._copy("split", [100 * KB, 1500], ["--concurrency", "2"])

    def test_the_ca_file_is_read_once_per_run_not_per_connection(self):
        # Every answer closes its connection, and the CA file is gone once
        # the first request has arrived: the connections after it verify
        # against the store read at the first, as the AWS SDKs do (curl
        # re-read the file for each connection while its default CA
        # directory was also trusted).
        self.ca_file = os.path.join(self.state_dir, "ca.pem")
        shutil.copyfile(self.burst.ca_file, self.ca_file)
        self.burst.close_each = True
        self.burst.on_request = lambda path: (
            os.path.exists(self.ca_file) and os.remove(self.ca_file))
        connections = self.burst.connections
        self._copy("length", [20 * KB] * 4, ["--concurrency", "1"])
        self.assertFalse(os.path.exists(self.ca_file))
        self.assertEqual(self.burst.connections, connections + 4)


if __name__ == "__main__":
    unittest.main()
