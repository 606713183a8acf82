"""Contract frames in both directions, shared by the codec and wire tests."""

TS = 1_767_225_600_123  # 2026-01-01T00:00:00.123Z in milliseconds
CONV = "10233"

CLIENT_FRAMES = {
    "hello": {"type": "hello", "device_id": "dev-7f3a9c", "platform": "ios"},
    "hello_full": {
        "type": "hello",
        "device_id": "dev-7f3a9c",
        "platform": "android",
        "app_version": "3.12.0",
        "compress": ["snappy"],
        "resume": {"conversation_id": CONV, "last_seq": 41},
    },
    "hello_resume_zero": {
        "type": "hello",
        "device_id": "web-1",
        "platform": "web",
        "app_version": "",
        "compress": ["snappy", "zstd"],
        "resume": {"conversation_id": CONV, "last_seq": 0},
    },
    "message_zh": {"type": "message", "client_msg_id": "c-1767225600123-1", "text": "你好，我的订单显示已签收，但是我没有收到快递，怎么办？"},
    "message_en": {"type": "message", "client_msg_id": "web:9c1e.2", "text": "Hi, I was charged twice for order #A-20931. Can you refund one?"},
    "message_emoji": {"type": "message", "client_msg_id": "x", "text": "谢谢 👍\n第二行"},
    "message_picture": {"type": "message", "client_msg_id": "c-pic-1", "media_id": "5120"},
    "message_picture_text": {"type": "message", "client_msg_id": "c-pic-2", "text": "杯子碎了", "media_id": "5121"},
    "ping": {"type": "ping", "ts": TS},
    "ping_zero": {"type": "ping", "ts": 0},
    "ping_bare": {"type": "ping"},
    "read": {"type": "read", "seq": 17},
    "read_zero": {"type": "read", "seq": 0},
    "typing": {"type": "typing"},
    "handoff": {"type": "handoff", "reason": "机器人答不了，我要找人工客服"},
    "handoff_empty_reason": {"type": "handoff", "reason": ""},
    "handoff_bare": {"type": "handoff"},
    "rate": {"type": "rate", "score": 5, "comment": "Quick and friendly, thanks!", "conversation_id": CONV},
    "rate_bare": {"type": "rate", "score": 1},
    "history": {"type": "history", "before_seq": 51, "limit": 50},
    "history_zero": {"type": "history", "before_seq": 0, "limit": 1},
}

MESSAGE_BOT = {
    "type": "message",
    "msg_id": "88120",
    "conversation_id": CONV,
    "seq": 12,
    "sender": "bot",
    "sender_name": "小智",
    "text": "您好！已为您查询到订单 A-20931 的物流信息：包裹目前在上海转运中心，预计明天送达。",
    "ts": TS,
    "stream_id": "s-88120",
}

SERVER_FRAMES = {
    "welcome": {
        "type": "welcome",
        "conversation": {"id": CONV, "status": "agent", "agent_name": "Li Na 李娜"},
        "last_seq": 41,
        "heartbeat_s": 10,
        "max_frame_bytes": 65536,
        "compress": ["snappy"],
        "recovered": True,
        "server_time": TS,
        "max_media_bytes": 10485760,
    },
    "welcome_fresh": {
        "type": "welcome",
        "conversation": {"id": CONV, "status": "bot"},
        "last_seq": 0,
        "heartbeat_s": 10,
        "max_frame_bytes": 65536,
        "compress": [],
        "recovered": False,
        "server_time": TS,
    },
    "synced": {"type": "synced", "last_seq": 41},
    "synced_zero": {"type": "synced", "last_seq": 0},
    "ack": {"type": "ack", "client_msg_id": "c-1767225600123-1", "msg_id": "88119", "conversation_id": CONV, "seq": 11, "ts": TS},
    "message_customer": {
        "type": "message", "msg_id": "88119", "conversation_id": CONV, "seq": 11, "sender": "customer",
        "text": "Where is my parcel?", "ts": TS, "client_msg_id": "c-1767225600123-1",
    },
    "message_bot": MESSAGE_BOT,
    "message_picture": {
        "type": "message", "msg_id": "88123", "conversation_id": CONV, "seq": 15, "sender": "customer", "text": "",
        "ts": TS + 7000, "client_msg_id": "c-pic-1",
        "media": {"url": "/api/chat/media/file/chat/2026/12/ab.jpg?e=1767229200&s=0f3a",
                  "thumb_url": "/api/chat/media/file/chat/2026/12/ab.thumb.jpg?e=1767229200&s=9c1d",
                  "mime": "image/jpeg", "width": 1280, "height": 960},
    },
    "message_agent": {
        "type": "message", "msg_id": "88121", "conversation_id": CONV, "seq": 13, "sender": "agent",
        "sender_name": "Li Na 李娜", "text": "I have issued the refund; it takes 3-5 business days. 退款已提交。", "ts": TS + 5000,
    },
    "message_system": {
        "type": "message", "msg_id": "88122", "conversation_id": CONV, "seq": 14, "sender": "system",
        "text": "", "ts": TS + 6000,
    },
    "stream": {"type": "stream", "conversation_id": CONV, "stream_id": "s-88120", "index": 3, "delta": "预计明天送达"},
    "stream_first": {"type": "stream", "conversation_id": CONV, "stream_id": "s-88120", "index": 0, "delta": "您好！"},
    "status_queued": {"type": "status", "conversation_id": CONV, "status": "queued", "queue_position": 3},
    "status_front": {"type": "status", "conversation_id": CONV, "status": "queued", "queue_position": 0},
    "status_agent": {"type": "status", "conversation_id": CONV, "status": "agent", "agent_name": "Sam Carter"},
    "status_closed": {"type": "status", "conversation_id": CONV, "status": "closed"},
    "rated": {"type": "rated", "conversation_id": CONV, "score": 4},
    "typing": {"type": "typing", "sender": "agent"},
    "receipt": {"type": "receipt", "seq": 11},
    "history": {
        "type": "history",
        "messages": [
            {"msg_id": "88119", "conversation_id": CONV, "seq": 11, "sender": "customer", "text": "快递到哪了？",
             "ts": TS, "client_msg_id": "c-1"},
            dict(MESSAGE_BOT),
            {"type": "message", "msg_id": "88123", "conversation_id": CONV, "seq": 12, "sender": "customer",
             "text": "", "ts": TS, "media": {"url": "/u", "thumb_url": "/t", "mime": "image/png", "width": 1, "height": 2}},
            {"type": "message", "msg_id": "88121", "conversation_id": CONV, "seq": 13, "sender": "agent",
             "sender_name": "Sam", "text": "Anything else I can help with?", "ts": TS + 9000},
        ],
    },
    "history_empty": {"type": "history", "messages": []},
    "kick": {"type": "kick", "reason": "signed_in_elsewhere"},
    "error": {"type": "error", "code": "text_too_long", "message": "text is longer than 4000 characters",
              "client_msg_id": "c-1767225600123-9"},
    "error_fatal": {"type": "error", "code": "unauthorized", "message": ""},
    "pong": {"type": "pong", "ts": TS},
    "pong_bare": {"type": "pong"},
}

ALL_FRAMES = {**{f"c2s_{k}": v for k, v in CLIENT_FRAMES.items()}, **{f"s2c_{k}": v for k, v in SERVER_FRAMES.items()}}


def long_answer(min_chars):
    """Return a realistic bot answer of at least min_chars characters."""
    paragraph = (
        "关于退货退款：自签收之日起 7 天内，商品未使用且包装完好，可申请无理由退货。"
        "Please keep the original packaging and the invoice; refunds go back to the original "
        "payment method within 3-5 business days after the warehouse receives the item. "
    )
    return (paragraph * (min_chars // len(paragraph) + 1))[:min_chars]
