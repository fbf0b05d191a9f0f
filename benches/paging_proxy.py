"""A loopback proxy in front of moto that counts AWS calls and pages
DescribeWorkspaceImagePermissions at 25 like AWS.

moto 5.2.5 returns every permission in one page and ignores MaxResults and
NextToken (shared notes: moto-workspaces.md), so a refresh against bare
moto costs one call whatever N is. This proxy forwards every request to
moto unchanged except that one operation: it fetches the whole list from
moto on a first page, keeps it under a token, and answers
min(MaxResults, 25) entries per page with a NextToken, as AWS does.

Counts are kept per operation (the JSON protocol's X-Amz-Target, the query
protocol's Action) and served as JSON:
  GET  /__bench/counts   {"Operation": n, ...}
  POST /__bench/reset    zero the counts
Everything else goes to moto.

With TFWS_BENCH_TRACE set to a file name, each call appends a line
"start end operation" (seconds since the epoch) to it: a timeline of
where a Terraform run waits on the API.

usage: paging_proxy.py UPSTREAM_URL PORT_FILE
  (listens on 127.0.0.1, an ephemeral port written to PORT_FILE)
"""
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid

PAGE = 25
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


class State:
    def __init__(self, upstream: str):
        u = urllib.parse.urlsplit(upstream)
        self.host, self.port = u.hostname, u.port or 80
        self.lock = threading.Lock()
        self.counts = {}
        self.pages = {}  # token -> (entries, offset)
        self.local = threading.local()
        trace = os.environ.get("TFWS_BENCH_TRACE")
        self.trace = open(trace, "a", buffering=1) if trace else None

    def traced(self, start: float, op: str) -> None:
        if self.trace:
            with self.lock:
                self.trace.write(f"{start:.6f} {time.time():.6f} {op}\n")

    def count(self, op: str) -> None:
        with self.lock:
            self.counts[op] = self.counts.get(op, 0) + 1

    def upstream(self, method, path, body, headers):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                self.local.conn = conn
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise


def operation(headers, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body:
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        if "Action" in form:
            return form["Action"][0]
    return "other"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle plus the
    # client's delayed ACK would add ~40 ms to every answer.
    disable_nagle_algorithm = True
    state: State = None

    def log_message(self, *args):
        pass

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, headers, body: bytes):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def bench(self):
        st = self.state
        if self.path == "/__bench/reset":
            with st.lock:
                st.counts.clear()
                st.pages.clear()
        with st.lock:
            body = json.dumps(st.counts).encode()
        self.reply(200, [("Content-Type", "application/json")], body)

    def handle_any(self):
        if self.path.startswith("/__bench/"):
            self.read_body()
            return self.bench()
        body = self.read_body()
        op = operation(self.headers, body)
        st = self.state
        counted = not self.path.startswith("/moto-api")
        if counted:
            st.count(op)
        start = time.time()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        if op == "DescribeWorkspaceImagePermissions":
            self.paged(body, headers)
        else:
            status, rh, data = st.upstream(self.command, self.path, body, headers)
            self.reply(status, rh, data)
        if counted:
            st.traced(start, op)

    def paged(self, body: bytes, headers):
        st = self.state
        req = json.loads(body or b"{}")
        size = max(1, min(int(req.get("MaxResults") or PAGE), PAGE))
        token = req.get("NextToken")
        if token:
            with st.lock:
                entry = st.pages.pop(token, None)
            if entry is None:
                err = {"__type": "InvalidParameterValuesException",
                       "message": "The NextToken is invalid or expired."}
                return self.reply(400, [("Content-Type", "application/x-amz-json-1.1")],
                                  json.dumps(err).encode())
            full, offset = entry
        else:
            fwd = {k: v for k, v in req.items() if k not in ("MaxResults", "NextToken")}
            status, rh, data = st.upstream("POST", self.path, json.dumps(fwd).encode(), headers)
            if status != 200:
                return self.reply(status, rh, data)
            full, offset = json.loads(data), 0
        perms = full.get("ImagePermissions", [])
        page = dict(full)
        page["ImagePermissions"] = perms[offset:offset + size]
        page.pop("NextToken", None)
        if offset + size < len(perms):
            nxt = uuid.uuid4().hex
            with st.lock:
                st.pages[nxt] = (full, offset + size)
            page["NextToken"] = nxt
        self.reply(200, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(page).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main() -> None:
    upstream, port_file = sys.argv[1], sys.argv[2]
    Handler.state = State(upstream)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_file + ".part", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".part", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
