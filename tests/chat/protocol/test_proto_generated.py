"""The checked-in protobuf module must be exactly what scripts/gen_proto.sh produces."""

import os
import subprocess
import sys
from pathlib import Path

from chat.protocol import csbot_pb2
from chat.protocol.frames import CLIENT_TYPES
from chat.protocol.proto_codec import (
    CHAT_MESSAGE_FIELDS,
    CONVERSATION_FIELDS,
    FRAME_SCALARS,
    MEDIA_FIELDS,
    RESUME_FIELDS,
    SCALARS_BY_TYPE,
)

ROOT = Path(__file__).resolve().parents[3]
MODULE = Path("chat/protocol/csbot_pb2.py")


def test_checked_in_module_matches_a_fresh_generation(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(["bash", "scripts/gen_proto.sh", str(tmp_path)], cwd=ROOT, env=env, check=True)
    fresh = (tmp_path / MODULE).read_text()
    assert fresh == (ROOT / MODULE).read_text(), "run scripts/gen_proto.sh and commit csbot_pb2.py"


def test_codec_tables_cover_every_schema_field():
    nested = {"conversation", "resume", "messages", "media"}
    assert FRAME_SCALARS | nested == set(csbot_pb2.Frame.DESCRIPTOR.fields_by_name)
    assert set(CONVERSATION_FIELDS) == set(csbot_pb2.Conversation.DESCRIPTOR.fields_by_name)
    assert set(RESUME_FIELDS) == set(csbot_pb2.Resume.DESCRIPTOR.fields_by_name)
    assert set(CHAT_MESSAGE_FIELDS) | {"media"} == set(csbot_pb2.ChatMessage.DESCRIPTOR.fields_by_name)
    assert set(MEDIA_FIELDS) == set(csbot_pb2.Media.DESCRIPTOR.fields_by_name)


def test_every_scalar_keeps_presence():
    for message in (csbot_pb2.Frame, csbot_pb2.Conversation, csbot_pb2.Resume, csbot_pb2.ChatMessage, csbot_pb2.Media):
        for field in message.DESCRIPTOR.fields:
            repeated = field.is_repeated
            assert repeated or field.has_presence, f"{message.__name__}.{field.name} loses presence"


def test_every_frame_type_has_a_decode_table():
    server_types = {"welcome", "synced", "ack", "message", "stream", "status", "rated", "typing", "receipt",
                    "history", "kick", "error", "pong"}
    assert set(SCALARS_BY_TYPE) == CLIENT_TYPES | server_types
    for kind, names in SCALARS_BY_TYPE.items():
        assert set(names) <= FRAME_SCALARS, kind
