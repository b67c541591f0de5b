"""An origin that answers the way real origins and CloudFront distributions
do when they do not answer with the plain image: servers.origin.Origin plus
per-path "answers" (set with answer(path, {...})):

  {"encoding": "gzip"}           the body gzip-compressed, Content-Encoding:
                                 gzip, without being asked (any other name,
                                 e.g. "br", sends zlib bytes under that name);
                                 the ETag stays the plain image's MD5
  {"html": true}                 200 text/html; charset=utf-8, an error page
                                 (a custom error response mapping 403/404 to
                                 200 /index.html)
  {"redirect": 301, "location": "/other/path.jpg"}
                                 a redirect; the location is sent as given
                                 (relative, or absolute via origin.url())
  {"trickle": 3.0}               the image, its body spread over 3 s in
                                 small writes (Range honoured)
  "ranged_only": true            (with any of the above) answer that way only
                                 to Range requests; others get the image

Requests are counted as Origin counts them (hits, get_hits, range_hits).
"""
import gzip
import threading
import time
import zlib

from servers.origin import Origin, _Handler, _Server, _decoded_path, \
    _parse_range

_PAGE = (b"<!DOCTYPE html><html><head><title>Not found</title></head>"
         b"<body><h1>Sorry, this page does not exist.</h1></body></html>\n")


class CdnOrigin(Origin):

    def __init__(self, **kw):
        super().__init__(**kw)
        self._answers = {}

    def answer(self, path, how):
        with self._lock:
            self._answers["/" + path.lstrip("/")] = dict(how)

    def start(self):
        origin = self

        class Handler(_CdnHandler):
            pass
        Handler.origin = origin
        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self


class _CdnHandler(_Handler):

    def _serve(self, head):
        rng = self.headers.get("Range")
        with self.origin._lock:
            how = self.origin._answers.get(_decoded_path(self.path))
        if how is None or (how.get("ranged_only") and not rng):
            return super()._serve(head)
        path, obj, _ = self.origin._lookup(self.path, self.command, bool(rng))
        if "redirect" in how:
            return self._send_status(int(how["redirect"]),
                                     {"Location": how["location"]}, head)
        if how.get("html"):
            return self._send(200, _PAGE, "text/html; charset=utf-8", {},
                              head)
        if obj is None:
            return self._send_status(404, head=head)
        if "encoding" in how:
            name = how["encoding"]
            data = (gzip.compress(obj.body) if name == "gzip"
                    else zlib.compress(obj.body))
            return self._send(200, data, obj.content_type,
                              {"Content-Encoding": name, "ETag": obj.etag},
                              head)
        body, status, extra = obj.body, 200, {"ETag": obj.etag}
        if rng:
            start, end = _parse_range(rng, len(body))
            body, status = body[start:end + 1], 206
            extra["Content-Range"] = f"bytes {start}-{end}/{len(obj.body)}"
        self._send(status, body, obj.content_type, extra, head,
                   trickle=float(how.get("trickle", 0)))

    def _send(self, status, data, content_type, extra, head, trickle=0.0):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amz-cf-pop", self.origin.pop)
        for k, v in extra.items():
            if v is not None:
                self.send_header(k, v)
        self.end_headers()
        if head:
            return
        pieces = 20 if trickle else 1
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            if trickle:
                time.sleep(trickle / pieces)
            self.wfile.write(data[i:i + step])
            self.wfile.flush()
        self.origin._note_body_done(self.path)
