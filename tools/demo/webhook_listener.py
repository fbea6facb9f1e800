#!/usr/bin/env python3
"""A stand-in for an on-call tool in the demo: accepts Alertmanager-v4 webhooks and PagerDuty Events v2 posts
on 127.0.0.1 and appends each body as one JSON line to a file, so the demo can show what a human was sent.

usage: webhook_listener.py PORT OUTPUT.ndjson
"""
import json
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, out_path = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = {"unparsed": body.decode("utf-8", "replace")}
        record = {"receivedAt": datetime.now(timezone.utc).isoformat(), "path": self.path, "body": payload}
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        # PagerDuty's Events API answers 202 with a small JSON body; Alertmanager receivers answer 200.
        status = 202 if self.path.startswith("/v2/enqueue") else 200
        reply = json.dumps({"status": "success", "message": "Event processed"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
