"""A local stand-in for WeChat's server API, speaking real HTTP on loopback.

jscode2session, the access_token endpoint, subscribe-message sending and
msgSecCheck, with the failures a client must survive.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeWeChat:
    """Codes: "good-<name>" succeeds, "bad" is rejected, "slow" hangs, "busy" is a WeChat error, "boom" a 500."""

    def __init__(self, appid="wx-test-app", secret="wx-test-secret", slow_seconds=3.0, token_expires_in=7200):
        self.appid, self.secret, self.slow_seconds = appid, secret, slow_seconds
        self.token_expires_in = token_expires_in
        self.requests = []
        self.lock = threading.Lock()
        self.tokens_issued = []  # every access_token handed out, oldest first
        self.valid_tokens = set()
        self.expire_next_send = False  # answer the next send with 40001 and void its token
        self.token_delay = 0.0
        self.sends = []  # subscribe messages accepted: the JSON bodies
        self.send_errors = []  # errcodes answered to sends
        self.checks = []  # msgSecCheck bodies
        self.media_checks = []  # mediaCheckAsync bodies
        self.check_delay = 0.0
        self.in_flight = self.max_in_flight = 0  # checks being answered at once
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self)

            def do_POST(self):
                fake.handle_post(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog of 5 drops bursts of concurrent checks

        self.server = Server(("127.0.0.1", 0), Handler)
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
        if url.path == "/cgi-bin/token":
            return self.issue_token(request, query)
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

    def issue_token(self, request, query):
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return self.reply(request, 200, {"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("grant_type") != "client_credential":
            return self.reply(request, 200, {"errcode": 40002, "errmsg": "invalid grant_type"})
        if self.token_delay:
            time.sleep(self.token_delay)
        with self.lock:
            token = f"token-{len(self.tokens_issued) + 1}"
            self.tokens_issued.append(token)
            self.valid_tokens.add(token)
        return self.reply(request, 200, {"access_token": token, "expires_in": self.token_expires_in})

    def handle_post(self, request):
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        try:
            body = json.loads(request.rfile.read(length) or b"{}")
        except ValueError:
            return self.reply(request, 200, {"errcode": 47001, "errmsg": "data format error"})
        self.requests.append((url.path, query))
        token = query.get("access_token", "")
        with self.lock:
            if url.path == "/cgi-bin/message/subscribe/send" and self.expire_next_send and token in self.valid_tokens:
                self.expire_next_send = False
                self.valid_tokens.discard(token)
            valid = token in self.valid_tokens
        if url.path == "/cgi-bin/message/subscribe/send":
            return self.subscribe_send(request, body, valid)
        if url.path == "/wxa/msg_sec_check":
            return self.msg_sec_check(request, body, valid)
        if url.path == "/wxa/media_check_async":
            return self.media_check_async(request, body, valid)
        return self.reply(request, 404, {"errcode": 404})

    def media_check_async(self, request, body, valid):
        """Take a picture URL to check later, as WeChat does: answer a trace id, the verdict comes by push."""
        if not valid:
            return self.reply(request, 200, {"errcode": 40001, "errmsg": "invalid credential"})
        if (body.get("version") != 2 or body.get("media_type") not in (1, 2) or not body.get("openid")
                or not str(body.get("media_url", "")).startswith(("http://", "https://"))):
            return self.reply(request, 200, {"errcode": 40003, "errmsg": "invalid args"})
        with self.lock:
            self.media_checks.append(body)
            trace = f"trace-{len(self.media_checks)}"
        return self.reply(request, 200, {"errcode": 0, "errmsg": "ok", "trace_id": trace})

    def subscribe_send(self, request, body, valid):
        if not valid:
            self.send_errors.append(40001)
            return self.reply(request, 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
            self.send_errors.append(47003)
            return self.reply(request, 200, {"errcode": 47003, "errmsg": "argument invalid"})
        with self.lock:
            self.sends.append(body)
        return self.reply(request, 200, {"errcode": 0, "errmsg": "ok", "msgid": len(self.sends)})

    def msg_sec_check(self, request, body, valid):
        """Refuse text holding "forbidden"; "checker-down" answers a 500, "checker-slow" hangs, "checker-busy" errs."""
        content = body.get("content", "")
        self.checks.append(body)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._answer_check(request, body, content, valid)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer_check(self, request, body, content, valid):
        if not valid:
            return self.reply(request, 200, {"errcode": 40001, "errmsg": "invalid credential"})
        if "checker-slow" in content:
            time.sleep(self.slow_seconds)
        if "checker-down" in content:
            return self.reply(request, 500, {"error": "internal"})
        if "checker-busy" in content:
            return self.reply(request, 200, {"errcode": -1, "errmsg": "system busy"})
        if self.check_delay:
            time.sleep(self.check_delay)
        if body.get("version") != 2 or not body.get("openid") or body.get("scene") not in (1, 2, 3, 4) or len(content) > 2500:
            return self.reply(request, 200, {"errcode": 40003, "errmsg": "invalid args"})
        risky = "forbidden" in content
        result = {"suggest": "risky" if risky else "pass", "label": 20001 if risky else 100}
        return self.reply(request, 200, {"errcode": 0, "errmsg": "ok", "result": result, "detail": [], "trace_id": "t"})

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
