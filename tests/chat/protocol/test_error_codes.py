"""One closed set of error codes for both sockets: the customer's and the agent console's."""

import ast
from pathlib import Path

import pytest

from agents.commands import Refused
from chat.actions import ConversationStateError
from chat.protocol.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[3]
RAISERS = {"Refused", "ConversationStateError", "ProtocolError", "fatal", "soft"}


def literal_codes():
    """Yield (file, code) for every string literal passed as the code of an error the sockets send."""
    for folder in ("chat", "agents"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                first = node.args[0]
                if name in RAISERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield path.relative_to(ROOT).as_posix(), first.value


def test_every_code_either_socket_sends_is_in_the_shared_set():
    found = list(literal_codes())
    assert len(found) >= 10  # the walk found the raises
    unknown = [(where, code) for where, code in found if code not in ErrorCode.__members__.values()]
    assert not unknown


@pytest.mark.parametrize("error", [Refused, ConversationStateError])
def test_a_code_outside_the_set_cannot_be_raised(error):
    with pytest.raises(ValueError):
        error("no_such_code", "message")
    assert error("not_assigned", "message").code == ErrorCode.NOT_ASSIGNED == "not_assigned"
