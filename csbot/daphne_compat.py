"""Let daphne send the close codes the protocol needs.

The contract closes with 1009 (frame too big), 1001 (going away) and 1011
(server error). RFC 6455 allows a server to send them, but autobahn's public
`sendClose` accepts only 1000 and 3000-4999, so daphne turns such a close
into an exception and a 1011. This sends the close frame through autobahn's
lower-level call instead, which performs the same state change.
"""

WIRE_ONLY_CODES = frozenset({1001, 1009, 1011})


def install():
    """Patch daphne's server-side close once; harmless when daphne is absent."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    if getattr(WebSocketProtocol, "_csbot_close_codes", False):
        return
    original = WebSocketProtocol.serverClose

    def server_close(self, code=None):
        if code in WIRE_ONLY_CODES:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code=code)

    WebSocketProtocol.serverClose = server_close
    WebSocketProtocol._csbot_close_codes = True
