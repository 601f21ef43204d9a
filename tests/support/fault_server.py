#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 file server for the downloader's tests (loopback only).

    fault_server.py --root DIR --port-file FILE [--link-secret SECRET]

Binds 127.0.0.1 on a free port and writes the port to FILE. GET /SPEC/NAME serves DIR/NAME with Range
support, misbehaving as SPEC says. SPEC is "ok" or comma-separated items (an "id=..." item only keeps
one test's state apart from another's):

    drop=N            every response closes the connection (reset) after N body bytes
    drop_once=N       only the first response to this path does
    stall=N           the first response stops sending after N bytes and holds the connection
                      for stall_s seconds (default 5), then closes it
    no_content_range  206 without a Content-Range header
    wrong_total=T     Content-Range says the total is T
    bad_start         Content-Range starts one byte after the requested offset
    ignore_range      200 with the whole file, whatever the Range header says
    forbid_once       the first request gets 403
    forbid_after=N    the first request gets N bytes then a reset; every later request gets 403
    token_expired_after=N  the same, but later requests get 400 ExpiredToken, as S3 refuses a link
                      signed with temporary credentials once they have expired
    status=C          the first `times` requests (default 1) get status C
    redirect=K        K redirects (302, absolute Location) before the file is served
    rate=B            the body goes out at about B bytes per second (per response)
    signed            the link must carry md5= and expires= as nginx's secure_link checks them with
                      --link-secret (md5 = base64url(MD5(expires + path + " " + secret)), unpadded):
                      403 for a wrong or missing signature, and 403 "Request has expired" once
                      expires < the server's clock, as S3 refuses an expired presigned URL

The server's clock for `signed` is the system clock until GET /_clock?now=EPOCH sets it to EPOCH (and
holds it there): a test ends a link's life at a point of its choosing, whatever lifetime it was signed
for. GET /_clock answers the clock's reading.

GET /_log answers a JSON list of {"path", "range", "status", "sent"} per request served so far, where
"sent" counts body bytes written to the socket: the bytes on the wire.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SETTLED = threading.Condition(LOCK)
LOG = []
HITS = {}
ACTIVE = [0]  # requests not yet recorded: /_log waits for them, so a test never reads a log mid-write
CLOCK = [None]  # the signed-link clock: None follows the system clock, else held at this epoch second
SECRET = [None]


def clock_now():
    with LOCK:
        held = CLOCK[0]
    return held if held is not None else int(time.time())


def link_refusal(path):
    """None when the signed link is good, else the reason to answer 403 (nginx secure_link's rules)."""
    uri, _, query = path.partition("?")
    args = {}
    for item in query.split("&"):
        key, _, value = item.partition("=")
        args[key] = value
    md5, expires = args.get("md5"), args.get("expires", "")
    if SECRET[0] is None or md5 is None or not expires.isdigit():
        return "AccessDenied", "Missing or unusable signature"
    digest = hashlib.md5((expires + uri + " " + SECRET[0]).encode()).digest()
    if base64.urlsafe_b64encode(digest).decode().rstrip("=") != md5:
        return "SignatureDoesNotMatch", "The request signature does not match"
    if int(expires) < clock_now():
        return "AccessDenied", "Request has expired"
    return None


def parse_spec(spec):
    items = {}
    if spec != "ok":
        for item in spec.split(","):
            key, _, value = item.partition("=")
            items[key] = value
    return items


def parse_range(header, size):
    """(first, last) inclusive, or None when there is no usable single range."""
    if not header or not header.startswith("bytes="):
        return None
    first_s, _, last_s = header[len("bytes="):].partition("-")
    if not first_s.isdigit():
        return None
    first = int(first_s)
    last = int(last_s) if last_s.isdigit() else size - 1
    return first, min(last, size - 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, *args):  # quiet
        pass

    def record(self, status, sent):
        with LOCK:
            LOG.append({"path": self.path, "range": self.headers.get("Range"), "status": status, "sent": sent})
            ACTIVE[0] -= 1
            SETTLED.notify_all()

    def reset_connection(self):
        # SO_LINGER 0: close() sends RST, like a dropped link, rather than a clean end of stream.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def send_body(self, data, rate=None):
        """Writes data (at about `rate` bytes/s when given), returning how many bytes reached the socket
        (the client may hang up)."""
        sent = 0
        started = time.monotonic()
        step = 16384 if rate is None else max(1, min(16384, rate // 20))
        try:
            while sent < len(data):
                chunk = data[sent:sent + step]
                self.wfile.write(chunk)
                sent += len(chunk)
                if rate is not None:
                    self.wfile.flush()
                    ahead = started + sent / rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
        return sent

    def answer(self, status, headers=(), body=b""):
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
        except OSError:
            self.close_connection = True
        self.record(status, self.send_body(body))

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                SETTLED.wait_for(lambda: ACTIVE[0] == 0, timeout=5)
                body = json.dumps(LOG).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.split("?", 1)[0] == "/_clock":
            query = self.path.partition("?")[2]
            if query.startswith("now=") and query[4:].isdigit():
                with LOCK:
                    CLOCK[0] = int(query[4:])
            body = str(clock_now()).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with LOCK:
            ACTIVE[0] += 1
        parts = self.path.split("?", 1)[0].split("/", 2)
        if len(parts) != 3 or not parts[2]:
            return self.answer(404)
        spec, name = parts[1], parts[2]
        faults = parse_spec(spec)
        with LOCK:
            hit = HITS.get(self.path, 0)
            HITS[self.path] = hit + 1
        path = os.path.join(self.root, os.path.basename(name))
        if not os.path.isfile(path):
            return self.answer(404)
        with open(path, "rb") as f:
            data = f.read()
        size = len(data)

        if "redirect" in faults and int(faults["redirect"]) > 0:
            faults["redirect"] = str(int(faults["redirect"]) - 1)
            new_spec = ",".join(k if v == "" else f"{k}={v}" for k, v in faults.items())
            host, port = self.server.server_address[:2]
            return self.answer(302, [("Location", f"http://{host}:{port}/{new_spec}/{name}")])
        if "status" in faults and hit < int(faults.get("times", "1")):
            return self.answer(int(faults["status"]), body=b"scripted failure\n")
        if "forbid_once" in faults and hit == 0:
            return self.answer(403, body=b"<Error><Code>AccessDenied</Code></Error>\n")
        if "forbid_after" in faults and hit > 0:
            return self.answer(403, body=b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>\n")
        if "token_expired_after" in faults and hit > 0:
            return self.answer(400, body=b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ExpiredToken</Code>"
                                         b"<Message>The provided token has expired.</Message></Error>\n")
        if "signed" in faults:
            refusal = link_refusal(self.path)
            if refusal is not None:
                code, message = refusal
                return self.answer(403, body=f"<Error><Code>{code}</Code><Message>{message}</Message></Error>\n".encode())

        rng = None if "ignore_range" in faults else parse_range(self.headers.get("Range"), size)
        if rng is not None and rng[0] >= size:
            return self.answer(416, [("Content-Range", f"bytes */{size}")])
        if rng is None:
            status, first, last = 200, 0, size - 1
        else:
            status, (first, last) = 206, rng
        body = data[first:last + 1]
        try:
            self.send_response(status)
            if status == 206 and "no_content_range" not in faults:
                total = faults.get("wrong_total", str(size))
                start = first + 1 if "bad_start" in faults else first
                self.send_header("Content-Range", f"bytes {start}-{last}/{total}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"fault-server-1"')
            self.end_headers()
        except OSError:
            self.close_connection = True
            return self.record(status, 0)

        cut = None
        if "drop" in faults:
            cut = int(faults["drop"])
        elif "drop_once" in faults and hit == 0:
            cut = int(faults["drop_once"])
        elif "forbid_after" in faults and hit == 0:
            cut = int(faults["forbid_after"])
        elif "token_expired_after" in faults and hit == 0:
            cut = int(faults["token_expired_after"])
        stall = int(faults["stall"]) if "stall" in faults and hit == 0 else None
        rate = int(faults["rate"]) if faults.get("rate", "").isdigit() and int(faults["rate"]) > 0 else None

        if stall is not None and stall < len(body):
            self.record(status, self.send_body(body[:stall]))
            time.sleep(float(faults.get("stall_s", "5")))
            self.close_connection = True
            return
        if cut is not None and cut < len(body):
            self.record(status, self.send_body(body[:cut]))
            self.reset_connection()
            return
        self.record(status, self.send_body(body, rate))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--link-secret")
    args = parser.parse_args()
    Handler.root = args.root
    SECRET[0] = args.link_secret
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)  # the reader never sees a half-written port
    server.serve_forever()


if __name__ == "__main__":
    main()
