"""A stand-in OpenAI-compatible provider for the generate tests (a boundary we do not own).

Usage: compat_provider.py PORT REQUEST_LOG
Answers POST /v1/chat/completions with a streamed reply in three deltas (one splitting a
multibyte character across writes), and writes each request's path, headers and JSON body as one
line of REQUEST_LOG.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization"), "body": body}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        text = "Une histoire d’été"
        pieces = [text[:4], text[4:], ""]
        events = [{"model": body["model"], "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces[:2]]
        events.append({"model": body["model"], "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 12, "completion_tokens": 5}})
        raw = b"".join(b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
        # Written in small pieces, so lines and UTF-8 characters arrive split.
        for i in range(0, len(raw), 7):
            self.wfile.write(raw[i:i + 7])
            self.wfile.flush()
            time.sleep(0.001)
        self.close_connection = True


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
