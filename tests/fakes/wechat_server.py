"""A local stand-in for WeChat's jscode2session, speaking real HTTP on loopback."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeWeChat:
    """Codes: "good-<name>" succeeds, "bad" is rejected, "slow" hangs, "busy" is a WeChat error, "boom" a 500."""

    def __init__(self, appid="wx-test-app", secret="wx-test-secret", slow_seconds=3.0):
        self.appid, self.secret, self.slow_seconds = appid, secret, slow_seconds
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, request):
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((url.path, query))
        code = query.get("js_code", "")
        if url.path != "/sns/jscode2session" or query.get("appid") != self.appid or query.get("secret") != self.secret:
            return self.reply(request, 200, {"errcode": 40013, "errmsg": "invalid appid"})
        if code.startswith("good-"):
            name = code.removeprefix("good-")
            return self.reply(request, 200, {"openid": f"openid-{name}", "session_key": f"sk-{name}-secret", "unionid": f"u-{name}"})
        if code == "slow":
            time.sleep(self.slow_seconds)
            return self.reply(request, 200, {"openid": "late", "session_key": "late"})
        if code == "busy":
            return self.reply(request, 200, {"errcode": -1, "errmsg": "system busy"})
        if code == "boom":
            return self.reply(request, 500, {"error": "internal"})
        return self.reply(request, 200, {"errcode": 40029, "errmsg": "invalid code"})

    @staticmethod
    def reply(request, status, body):
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            pass  # The client gave up waiting.

    def close(self):
        self.server.shutdown()
        self.server.server_close()
