#!/usr/bin/env python3
"""S3 multipart-upload stand-in behind the benchmark's nginx WebDAV
destination. nginx sends it only requests with ?uploads or ?uploadId=.

  POST   /B/K?uploads                 -> InitiateMultipartUploadResult
  PUT    /B/K?partNumber=N&uploadId=U -> 200, ETag = MD5 of the part
                                         (400 BadDigest if Content-MD5 differs)
  POST   /B/K?uploadId=U              -> assembles ROOT/B/K from the listed parts
  DELETE /B/K?uploadId=U              -> 204, parts dropped

Usage: mpu_shim.py PORT ROOT   (listens on 127.0.0.1 only)
"""
import base64
import hashlib
import http.server
import os
import re
import shutil
import sys
import threading
import urllib.parse
import uuid

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
ROOT = ""
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        chunks = []
        while n > 0:
            c = self.rfile.read(min(n, 1 << 20))
            if not c:
                break
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def _parse(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        path = urllib.parse.unquote(u.path).lstrip("/")
        return path, q

    def _updir(self, upload_id):
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
            return None
        return os.path.join(ROOT, ".mpu", upload_id)

    def do_POST(self):
        path, q = self._parse()
        body = self._body()
        if "uploads" in q:
            uid = uuid.uuid4().hex
            os.makedirs(os.path.join(ROOT, ".mpu", uid))
            bucket, _, key = path.partition("/")
            xml = (f'<?xml version="1.0" encoding="UTF-8"?>'
                   f'<InitiateMultipartUploadResult xmlns="{NS}">'
                   f"<Bucket>{bucket}</Bucket><Key>{key}</Key>"
                   f"<UploadId>{uid}</UploadId>"
                   f"</InitiateMultipartUploadResult>").encode()
            return self._reply(200, xml, {"Content-Type": "application/xml"})
        d = self._updir(q.get("uploadId", [""])[0])
        if not d or not os.path.isdir(d):
            return self._reply(404, b"<Error><Code>NoSuchUpload</Code></Error>")
        nums = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>",
                                           body)]
        dest = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        tmp = dest + ".mpu-tmp"
        with open(tmp, "wb") as out:
            for n in nums:
                p = os.path.join(d, str(n))
                if not os.path.exists(p):
                    os.unlink(tmp)
                    return self._reply(400, b"<Error><Code>InvalidPart</Code>"
                                            b"</Error>")
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        os.replace(tmp, dest)
        shutil.rmtree(d, ignore_errors=True)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>'
               f'<CompleteMultipartUploadResult xmlns="{NS}">'
               f"<Key>{path}</Key><ETag>\"mpu-{len(nums)}\"</ETag>"
               f"</CompleteMultipartUploadResult>").encode()
        self._reply(200, xml, {"Content-Type": "application/xml"})

    def do_PUT(self):
        _, q = self._parse()
        d = self._updir(q.get("uploadId", [""])[0])
        body = self._body()
        if not d or not os.path.isdir(d):
            return self._reply(404, b"<Error><Code>NoSuchUpload</Code></Error>")
        md5 = hashlib.md5(body)
        want = self.headers.get("Content-MD5")
        if want and base64.b64decode(want) != md5.digest():
            return self._reply(400, b"<Error><Code>BadDigest</Code></Error>")
        n = int(q.get("partNumber", ["0"])[0])
        with open(os.path.join(d, str(n)), "wb") as f:
            f.write(body)
        self._reply(200, b"", {"ETag": f'"{md5.hexdigest()}"'})

    def do_DELETE(self):
        _, q = self._parse()
        d = self._updir(q.get("uploadId", [""])[0])
        if d:
            shutil.rmtree(d, ignore_errors=True)
        self._reply(204)


def main():
    global ROOT
    port, ROOT = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(ROOT, ".mpu"), exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
