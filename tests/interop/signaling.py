#!/usr/bin/python3
"""Signaling mailbox and result collector for meshrtc's interop tests.

Runs on 127.0.0.1 inside the test's own network namespace (stdlib only).
  POST /send/<to>       body: one JSON object (a signaling message); queued for <to>
  GET  /recv/<me>       queued messages for <me>, one compact JSON object per line
                        (ASCII only: non-ASCII is \\u-escaped); empty body when none
  POST /result/<me>     body: the node's result JSON; written to <outdir>/<me>.json
  POST /log/<me>        body: text; printed to stdout as "[<me>] text" (browser console)
  GET  /ping            "pong" (readiness)
  GET  /web/<file>      static files from this directory's web/ folder
Usage: signaling.py PORT OUTDIR
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
WEB = os.path.join(HERE, "web")
TYPES = {".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript"}

lock = threading.Lock()
t0 = time.monotonic()


def say(text):
    """Prints text with the seconds since start, for reading logs."""
    print(f"{time.monotonic() - t0:7.3f} {text}", flush=True)

queues = {}
outdir = "."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    def reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["ping"]:
            return self.reply(200, b"pong")
        if len(parts) == 2 and parts[0] == "recv":
            with lock:
                msgs = queues.pop(parts[1], [])
            return self.reply(200, "".join(m + "\n" for m in msgs).encode())
        if len(parts) == 2 and parts[0] == "web" and "/" not in parts[1] and not parts[1].startswith("."):
            path = os.path.join(WEB, parts[1])
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    data = f.read()
                return self.reply(200, data, TYPES.get(os.path.splitext(path)[1], "application/octet-stream"))
        if parts == ["favicon.ico"]:
            return self.reply(204)
        return self.reply(404, b"not found")

    def do_POST(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        data = self.body()
        if len(parts) != 2:
            return self.reply(404, b"not found")
        kind, who = parts
        if kind == "send":
            try:
                msg = json.loads(data)
            except ValueError as e:
                print(f"signaling: bad message for {who}: {e}", flush=True)
                return self.reply(400, b"bad json")
            if msg.get("type") == "candidate":
                say(f"{msg.get('from')} -> {who}: {msg.get('candidate') or '(end of candidates)'}")
            elif msg.get("type") in ("offer", "answer"):
                cands = [ln for ln in str(msg.get("sdp", "")).splitlines() if ln.startswith("a=candidate")]
                say(f"{msg.get('from')} -> {who}: {msg['type']} with {len(cands)} candidates in the SDP"
                    + "".join(f"\n    {c}" for c in cands))
            else:
                say(f"{msg.get('from')} -> {who}: {msg.get('type')}")
            line = json.dumps(msg, ensure_ascii=True, separators=(",", ":"))
            with lock:
                queues.setdefault(who, []).append(line)
            return self.reply(200, b"ok")
        if kind == "result":
            tmp = os.path.join(outdir, who + ".json.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(outdir, who + ".json"))
            say(f"result from {who}")
            return self.reply(200, b"ok")
        if kind == "log":
            for line in data.decode("utf-8", "replace").splitlines():
                say(f"[{who}] {line}")
            return self.reply(200, b"ok")
        return self.reply(404, b"not found")


def main():
    global outdir
    port, outdir = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    say(f"signaling: listening on 127.0.0.1:{port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
