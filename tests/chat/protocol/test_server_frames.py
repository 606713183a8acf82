"""Every server frame is built in `chat/presenters.py`: no other module writes one's dict.

A frame's shape is the contract (docs/protocol.md); built in one place, it
cannot drift between the paths that send it (socket, replay, long poll,
console). The walk reads the source only: a dict literal, `dict(type=...)`,
`.update(type=...)` or `x["type"] = ...` naming a server frame's type
anywhere else fails here.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("chat", "agents", "csbot")
FRAMES_MODULE = "chat/presenters.py"
ALLOWED = {
    FRAMES_MODULE,
    "chat/protocol/frames.py",  # client-frame validation: it builds the frames a client sends
}
# The load generator is a client: what it writes are client frames.
CLIENTS = ("chat/loadtest/",)
# The customer's frames (docs/protocol.md) and the console's.
SERVER_FRAME_TYPES = frozenset({
    "welcome", "synced", "message", "ack", "stream", "status", "rated", "receipt", "typing", "history", "pong",
    "kick", "error",
    "lists", "transcript", "assigned", "viewers", "done", "note",
})


def _frame_type(node):
    """Return the server frame type a constant names, else None."""
    if isinstance(node, ast.Constant) and node.value in SERVER_FRAME_TYPES:
        return node.value
    return None


def frame_literals(source):
    """Return (line, type) for each place `source` writes a server frame's type into a dict."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "type" and _frame_type(value):
                    found.append((node.lineno, value.value))
        elif isinstance(node, ast.Call):
            func = node.func
            named = (isinstance(func, ast.Name) and func.id == "dict") or (
                isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault")
            )
            for keyword in node.keywords if named else ():
                if keyword.arg == "type" and _frame_type(keyword.value):
                    found.append((node.lineno, keyword.value.value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                        and target.slice.value == "type" and _frame_type(node.value)):
                    found.append((node.lineno, node.value.value))
    return found


def product_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" not in path.parts and not relative.startswith(CLIENTS):
                yield relative, path


def test_the_walk_finds_every_way_of_writing_a_frame():
    source = (
        'a = {"type": "ack", "seq": 1}\n'
        'b = dict(type="status")\n'
        'c.update(type="note")\n'
        'd["type"] = "kick"\n'
        'e = {"type": "websocket.accept"}\n'  # an ASGI message, not a frame
        'f = {"type": kind}\n'  # not a constant: whoever passes `kind` is walked too
    )
    assert sorted(frame_literals(source)) == [(1, "ack"), (2, "status"), (3, "note"), (4, "kick")]


def test_the_frames_module_builds_every_server_frame():
    built = {t for _, t in frame_literals((ROOT / FRAMES_MODULE).read_text())}
    assert built == SERVER_FRAME_TYPES


def test_no_module_outside_the_frames_module_builds_a_server_frame():
    modules = list(product_modules())
    assert len(modules) > 100  # the walk found the product
    outside = {
        relative: found
        for relative, path in modules
        if relative not in ALLOWED and (found := frame_literals(path.read_text()))
    }
    assert not outside, f"build these frames with a function of {FRAMES_MODULE}: {outside}"
