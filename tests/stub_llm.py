"""A scripted OpenAI-compatible chat-completions server for tests (a real HTTP server on 127.0.0.1).

Its reply is computed from the prompt it receives (``reply(prompt)``), so a test can cite
the passage that holds a phrase whatever its rank; it can also be slow, fail with an
HTTP status, or send something that is not a completion.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa.prompt import DECLINE


class StubLLM:
    """A chat-completions endpoint whose reply is ``reply(prompt)``; records every prompt it got."""

    def __init__(self):
        self.reply: Callable[[str], str] = lambda prompt: DECLINE
        self.delay = 0.0
        self.piece_delay = 0.0  # seconds between streamed pieces (to watch a page stream)
        self.status = 200
        self.raw: bytes | None = None  # sent as is instead of a completion (malformed output)
        self.prompts: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                try:
                    self.answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def answer(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = "\n".join(m["content"] for m in body["messages"])
                stub.prompts.append(prompt)
                time.sleep(stub.delay)
                if stub.status != 200 or stub.raw is not None:
                    payload = stub.raw if stub.raw is not None else b'{"error": {"message": "boom"}}'
                    self.send_response(stub.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                text = stub.reply(prompt)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for piece in re.findall(r"\S+\s*", text):
                        chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(stub.piece_delay)
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                payload = json.dumps({"id": "1", "object": "chat.completion", "created": 0, "model": "stub",
                                      "choices": [{"index": 0, "finish_reason": "stop",
                                                   "message": {"role": "assistant", "content": text}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def passage_with(prompt: str, phrase: str) -> int:
    """The number of the prompt's passage holding ``phrase``."""
    for m in re.finditer(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', prompt, re.S):
        if phrase in m.group(2):
            return int(m.group(1))
    raise AssertionError(f"no passage holds {phrase!r}")
