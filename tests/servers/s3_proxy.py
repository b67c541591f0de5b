"""A reverse proxy in front of moto that checks integrity headers and injects faults.

moto verifies neither Content-MD5 nor x-amz-checksum-*; this proxy does, as S3
does: on every PUT (PutObject and UploadPart) a Content-MD5 must equal
base64(md5(body)) and an x-amz-checksum-crc32c must equal base64(crc32c(body))
big-endian, else 400 BadDigest (400 InvalidDigest for a malformed
Content-MD5). A body sent Content-Encoding: aws-chunked is decoded strictly
first (chunk sizes and CRLFs, the last chunk, the trailers x-amz-trailer
announced, x-amz-decoded-content-length; else 400 IncompleteBody or
InvalidRequest) and a trailing x-amz-checksum-crc32c is checked like the
header; such a request is recorded with its "trailers" and forwarded as sent
(moto decodes it). Requests are forwarded byte-for-byte, Host header included
(it is signed); only hop-by-hop headers are dropped and a chunked body is
forwarded with a Content-Length.

Fault rules (constructor `rules=`, set_rules(), or PUT /__proxy/rules JSON):
  {"code": "SlowDown", "status": 503, "every": 3}        every 3rd match
  {"code": "SlowDown", "status": 503, "first_per_key": 2} first 2 per key/part
  {"code": "InternalError", "status": 500, "first": 5}   first 5 matches
  {"code": "AccessDenied", "status": 403, "methods": []} every request
  {"stall": 10, "first_per_key": 1}                      hang, then close
Optional per rule: "methods" (default ["PUT"]; [] means all),
"retry_after" (seconds, sent as a Retry-After header),
"key_regex" (re.search on the decoded path). The first matching rule wins.

Signature check (optional, `verify_sigv4={access_key: secret}`): every
request's SigV4 Authorization header is recomputed the way S3 does it (path
decoded then UriEncoded once, query sorted, signed headers trimmed) and a
mismatch is answered 403 SignatureDoesNotMatch; a payload whose SHA-256 is
not the signed x-amz-content-sha256 gets 400 XAmzContentSHA256Mismatch. This
is an independent oracle for keys moto mis-verifies (non-ASCII, '+', '!').

TLS (optional, `tls=True`): start() makes a self-signed certificate for IP
127.0.0.1 with the openssl command line (in a temp dir removed by stop()),
endpoint() is https://127.0.0.1:PORT and `ca_file` is the certificate's PEM,
to be used as the client's CA bundle. Each connection's handshake runs in its
own handler thread, so a failed one only ends that connection. Upstream stays
plain http to moto.

A request whose body ends early (the client closed mid-PUT) is dropped: not
counted, not forwarded; the connection is closed.

Counters: count(method), records (one dict per request: method, path, query,
started (time.monotonic() when its headers had arrived),
status, headers of interest), faults_injected, digest_failures.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _make_crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), reflected, as S3's x-amz-checksum-crc32c."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def crc32c_b64(data):
    return base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _uri_encode(text, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((_uri_encode(urllib.parse.unquote(name), False),
                      _uri_encode(urllib.parse.unquote(value), False)))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def sigv4_problem(method, raw_path, query, headers, body, secrets):
    """None when the request's SigV4 signature and payload hash are right,
    else (http status, S3 error code, message)."""
    auth = headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                 r"([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?"
                 r"Signature=([0-9a-f]{64})$", auth.strip())
    if not m:
        return 403, "AccessDenied", "missing or malformed Authorization"
    key_id, day, region, service, signed, signature = m.groups()
    if key_id not in secrets:
        return 403, "InvalidAccessKeyId", key_id
    payload = headers.get("x-amz-content-sha256", "")
    if not payload:
        return 400, "InvalidRequest", "missing x-amz-content-sha256"
    if (payload != "UNSIGNED-PAYLOAD" and not payload.startswith("STREAMING")
            and payload != hashlib.sha256(body).hexdigest()):
        return 400, "XAmzContentSHA256Mismatch", payload
    names = signed.split(";")
    canon_headers = ""
    for name in names:
        value = headers.get(name)
        if value is None:
            return 403, "SignatureDoesNotMatch", f"signed {name} missing"
        canon_headers += f"{name}:{' '.join(value.split())}\n"
    path = _uri_encode(urllib.parse.unquote(raw_path), True)
    creq = "\n".join([method, path, canonical_query(query), canon_headers,
                      signed, payload])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date", ""),
                         scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secrets[key_id]).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return 403, "SignatureDoesNotMatch", creq.replace("\n", "\\n")
    return None


_HOP = {"connection", "keep-alive", "transfer-encoding", "expect",
        "proxy-connection", "te", "upgrade", "content-length"}
_RECORDED = ("content-md5", "x-amz-checksum-crc32c", "x-amz-acl",
             "content-type", "content-length", "x-amz-content-sha256",
             "x-amz-sdk-checksum-algorithm", "range", "content-encoding",
             "x-amz-decoded-content-length", "x-amz-trailer")


def decode_aws_chunked(body, headers):
    """(payload, {trailer name: value}) of an aws-chunked body, or
    (None, (S3 error code, message)) when it is malformed."""
    payload, pos = bytearray(), 0
    while True:
        eol = body.find(b"\r\n", pos)
        line = body[pos:eol] if eol >= 0 else b""
        if eol < 0 or not re.fullmatch(rb"[0-9a-fA-F]+", line):
            return None, ("IncompleteBody", f"bad chunk size line at {pos}")
        size, pos = int(line, 16), eol + 2
        if size == 0:
            break
        if body[pos + size:pos + size + 2] != b"\r\n":
            return None, ("IncompleteBody", f"chunk at {pos} not {size} bytes")
        payload += body[pos:pos + size]
        pos += size + 2
    trailers = {}
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return None, ("IncompleteBody", "trailers not ended")
        line, pos = body[pos:eol], eol + 2
        if not line:
            break
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            return None, ("InvalidRequest", f"bad trailer {line!r}")
        trailers[name.strip().lower()] = value.strip()
    if pos != len(body):
        return None, ("IncompleteBody", "bytes after the trailers")
    announced = [t.strip().lower()
                 for t in headers.get("x-amz-trailer", "").split(",") if t]
    if sorted(announced) != sorted(trailers):
        return None, ("InvalidRequest",
                      f"trailers {sorted(trailers)} != x-amz-trailer")
    if headers.get("x-amz-decoded-content-length") != str(len(payload)):
        return None, ("IncompleteBody", "x-amz-decoded-content-length is "
                      f"{headers.get('x-amz-decoded-content-length')}, "
                      f"decoded {len(payload)}")
    return bytes(payload), trailers


def error_xml(code, message, resource="", extra=None):
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in (extra or {}).items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message>{fields}<Resource>{resource}"
            f"</Resource><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>"
            f"<HostId>proxy</HostId></Error>").encode()


_MESSAGES = {
    "SlowDown": "Please reduce your request rate.",
    "InternalError": "We encountered an internal error. Please try again.",
    "AccessDenied": "Access Denied",
    "NoSuchBucket": "The specified bucket does not exist",
    "ServiceUnavailable": "Service is unable to handle request.",
}


class S3Proxy:
    """start() binds 127.0.0.1 on a free port and forwards to `upstream`."""

    def __init__(self, upstream_port, upstream_host="127.0.0.1", rules=None,
                 host="127.0.0.1", port=0, verify_sigv4=None, tls=False):
        self.upstream = (upstream_host, upstream_port)
        self.verify_sigv4 = verify_sigv4  # {access key id: secret} or None
        self.host, self.port = host, port
        self.tls = tls
        self.ca_file = None  # with tls, the certificate PEM once started
        self._cert_dir = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = None
        self.reset(rules)

    def reset(self, rules=None):
        with self._lock:
            self.rules = [dict(r) for r in (rules or [])]
            self._rule_state = [{"n": 0, "per_key": {}} for _ in self.rules]
            self.counts = {}
            self.records = []
            self.faults_injected = 0
            self.digest_failures = 0
            self.signature_failures = []

    def set_rules(self, rules):
        with self._lock:
            self.rules = [dict(r) for r in rules]
            self._rule_state = [{"n": 0, "per_key": {}} for _ in self.rules]

    def count(self, method=None):
        with self._lock:
            if method is None:
                return sum(self.counts.values())
            return self.counts.get(method, 0)

    def endpoint(self):
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self):
        class Handler(_Handler):
            pass
        Handler.proxy = self
        context = self._make_ssl_context() if self.tls else None
        self._server = _Server((self.host, self.port), Handler)
        self._server.ssl_context = context
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def _make_ssl_context(self):
        self._cert_dir = tempfile.mkdtemp(prefix="s3proxy-tls-")
        key = os.path.join(self._cert_dir, "key.pem")
        cert = os.path.join(self._cert_dir, "cert.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", key, "-out", cert],
            check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.ca_file = cert
        return context

    def stop(self):
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._cert_dir:
            shutil.rmtree(self._cert_dir, ignore_errors=True)
            self._cert_dir = self.ca_file = None

    # --- called by handler threads -----------------------------------------
    def _admit(self, method, path, query, headers):
        """Counts the request; returns (record, fault rule or None)."""
        key = urllib.parse.unquote(path)
        part = urllib.parse.parse_qs(query).get("partNumber", [""])[0]
        record = {"method": method, "path": path, "key": key, "query": query,
                  "status": None,
                  "headers": {h: headers.get(h) for h in _RECORDED
                              if headers.get(h) is not None}}
        with self._lock:
            self.counts[method] = self.counts.get(method, 0) + 1
            self.records.append(record)
            for rule, state in zip(self.rules, self._rule_state):
                if not self._matches(rule, method, key):
                    continue
                state["n"] += 1
                per_key = state["per_key"]
                per_key[(key, part)] = per_key.get((key, part), 0) + 1
                if self._fires(rule, state["n"], per_key[(key, part)]):
                    self.faults_injected += 1
                    return record, rule
                break
        return record, None

    @staticmethod
    def _matches(rule, method, key):
        methods = rule.get("methods", ["PUT"])
        if methods and method not in methods:
            return False
        regex = rule.get("key_regex")
        return not regex or re.search(regex, key) is not None

    @staticmethod
    def _fires(rule, n, n_key):
        if "every" in rule:
            return n % int(rule["every"]) == 0
        if "first_per_key" in rule:
            return n_key <= int(rule["first_per_key"])
        if "first" in rule:
            return n <= int(rule["first"])
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256
    ssl_context = None

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread: the TLS handshake too.
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        request.settimeout(10)
        tls = self.ssl_context.wrap_socket(request, server_side=True)
        try:
            tls.settimeout(None)
            super().finish_request(tls, client_address)
        finally:
            self.shutdown_request(tls)

    def handle_error(self, request, client_address):
        # Clients that reset or time out are part of the tests; stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/__proxy/stats"):
            p = self.proxy
            with p._lock:
                stats = {"counts": dict(p.counts),
                         "faults_injected": p.faults_injected,
                         "digest_failures": p.digest_failures}
            return self._reply(200, json.dumps(stats).encode(),
                               {"Content-Type": "application/json"})
        self._handle()

    def do_PUT(self):
        if self.path.startswith("/__proxy/rules"):
            body = self._read_body()
            if body is None:
                return
            self.proxy.set_rules(json.loads(body or b"[]"))
            return self._reply(200, b"{}", {"Content-Type": "application/json"})
        self._handle()

    do_HEAD = do_POST = do_DELETE = lambda self: self._handle()

    def _read_body(self):
        """The request body, or None (connection to be closed) when the
        client went away before sending all of it."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line:
                    return self._truncated()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                if len(chunks[-1]) < size:
                    return self._truncated()
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return body if len(body) == length else self._truncated()

    def _truncated(self):
        self.close_connection = True
        return None

    def _handle(self):
        started = time.monotonic()  # headers in, body not yet read
        body = self._read_body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        record, fault = self.proxy._admit(self.command, path, query,
                                          self.headers)
        record["started"] = started
        if fault is not None:
            return self._fault(fault, record, path)
        if self.proxy.verify_sigv4 is not None:
            problem = sigv4_problem(self.command, path, query, self.headers,
                                    body, self.proxy.verify_sigv4)
            if problem is not None:
                status, code, message = problem
                record["status"] = status
                with self.proxy._lock:
                    self.proxy.signature_failures.append((code, message))
                return self._reply(status, error_xml(code, message, path),
                                   {"Content-Type": "application/xml"})
        payload, trailers = body, {}
        if "aws-chunked" in self.headers.get("Content-Encoding", ""):
            payload, trailers = decode_aws_chunked(body, self.headers)
            if payload is None:
                record["status"] = 400
                return self._reply(400, error_xml(*trailers, path),
                                   {"Content-Type": "application/xml"})
            record["trailers"] = trailers
        if self.command == "PUT":
            bad = self._check_digests(payload, path, trailers)
            if bad is not None:
                record["status"] = 400
                with self.proxy._lock:
                    self.proxy.digest_failures += 1
                return self._reply(400, bad,
                                   {"Content-Type": "application/xml"})
        status, headers, data = self._forward(body)
        record["status"] = status
        self._reply(status, data, headers)

    def _check_digests(self, body, path, trailers):
        """S3's checks: None when fine, else the error XML body."""
        given = self.headers.get("Content-MD5")
        if given is not None:
            try:
                ok = len(base64.b64decode(given, validate=True)) == 16
            except ValueError:
                ok = False
            if not ok:
                return error_xml("InvalidDigest",
                                 "The Content-MD5 you specified was invalid.",
                                 path)
            actual = md5_b64(body)
            if given != actual:
                return error_xml(
                    "BadDigest",
                    "The Content-MD5 you specified did not match what we "
                    "received.", path,
                    {"ExpectedDigest": given, "CalculatedDigest": actual})
        given = self.headers.get("x-amz-checksum-crc32c",
                                 trailers.get("x-amz-checksum-crc32c"))
        if given is not None and given != crc32c_b64(body):
            return error_xml(
                "BadDigest",
                "The CRC32C you specified did not match the calculated "
                "checksum.", path)
        return None

    def _forward(self, body):
        conn = http.client.HTTPConnection(*self.proxy.upstream, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP:
                    conn.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            headers = {k: v for k, v in resp.getheaders()
                       if k.lower() not in _HOP and k.lower() != "server"
                       and k.lower() != "date"}
            if self.command == "HEAD":
                headers["Content-Length"] = resp.getheader("Content-Length",
                                                           "0")
            return resp.status, headers, data
        finally:
            conn.close()

    def _fault(self, rule, record, path):
        if rule.get("stall"):
            deadline = time.monotonic() + float(rule["stall"])
            while (time.monotonic() < deadline
                   and not self.proxy._stop.is_set()):
                time.sleep(0.05)
            record["status"] = "stalled"
            self.close_connection = True
            return
        code = rule.get("code", "SlowDown")
        status = int(rule.get("status", 503))
        record["status"] = status
        data = error_xml(code, _MESSAGES.get(code, code), path)
        headers = {"Content-Type": "application/xml"}
        if "retry_after" in rule:
            headers["Retry-After"] = str(rule["retry_after"])
        self._reply(status, data, headers)

    def _reply(self, status, data, headers):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)
