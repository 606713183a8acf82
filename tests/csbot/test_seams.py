"""The seams stay seams: library versions checked at import, overridden library code pinned, no patched library.

Each seam subclasses a library class and overrides or follows part of its
code (docs/architecture.md, "Seams"). A library upgrade that changes that
code must be read before it is taken: `SOURCE_PINS` holds a digest of each
library function a seam overrides, copies or relies on, so any change to one
fails here with its name. After reading the new code and adapting the seam,
update the digest (the failure message prints it).
"""

import ast
import hashlib
import importlib
import inspect
from pathlib import Path

import pytest

from csbot import versions

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("csbot", "chat", "agents")
SEAM_MODULES = ("csbot.channel_layer", "csbot.server", "csbot.transport", "csbot.api_http", "chat.dispatching")

SOURCE_PINS = [
    ("channels_redis.pubsub", "RedisPubSubChannelLayer._get_layer", "1862b87a25ac72b2"),
    ("channels_redis.pubsub", "RedisPubSubChannelLayer.__getattr__", "b4e95df4c57ad00b"),
    ("channels_redis.pubsub", "RedisPubSubLoopLayer.__init__", "fd9d37e275298a58"),
    ("channels_redis.pubsub", "RedisPubSubLoopLayer._get_shard", "9c655ee12ccbc91e"),
    ("channels_redis.pubsub", "RedisPubSubLoopLayer._get_group_channel_name", "c3139bae61c673aa"),
    ("channels_redis.pubsub", "RedisPubSubLoopLayer.receive", "2d3fa7938ba6e0a6"),
    ("channels_redis.pubsub", "RedisSingleShardConnection.__init__", "9c8f408acb4c2d7b"),
    ("channels_redis.pubsub", "RedisSingleShardConnection.publish", "5a18093dbcb440f5"),
    ("channels_redis.pubsub", "RedisSingleShardConnection.subscribe", "173a8f40b17e4e28"),
    ("channels_redis.pubsub", "RedisSingleShardConnection.unsubscribe", "e2b9f0f1ff880674"),
    ("channels_redis.pubsub", "RedisSingleShardConnection.flush", "d122fe3f4578cb1c"),
    ("channels_redis.pubsub", "RedisSingleShardConnection._do_receiving", "a822736dcb875e43"),
    ("channels_redis.pubsub", "RedisSingleShardConnection._receive_message", "2f5f46af28e8ed76"),
    ("channels_redis.pubsub", "RedisSingleShardConnection._ensure_redis", "ba228d3cee7116dc"),
    ("channels_redis.pubsub", "RedisSingleShardConnection._ensure_receiver", "dd56277da120f858"),
    ("channels_redis.utils", "_wrap_close", "3d610af1683772a9"),
    ("channels_redis.utils", "create_pool", "c706feb32b834078"),
    # The layer forgets an unsubscribed channel in redis-py's own record, which a reconnect subscribes again.
    ("redis.asyncio.client", "PubSub.on_connect", "4f91994e4caeecb7"),
    ("redis.asyncio.client", "PubSub.handle_message", "310d88dea8e59a04"),
    ("redis.asyncio.connection", "BlockingConnectionPool.get_connection", "6382c8e6cc2841e4"),
    ("channels_redis.utils", "decode_hosts", "012afe3ce1b8e8a5"),
    ("daphne.server", "Server.run", "447c6bd42c62e98c"),
    ("daphne.server", "Server.listen_success", "0aa2ef7d71380301"),
    ("daphne.server", "Server.__init__", "e090af1e2673d44f"),
    ("daphne.server", "Server.kill_all_applications", "4e1618c6f7871758"),
    ("daphne.cli", "CommandLineInterface.run", "039cb21244f402ac"),
    ("daphne.access", "AccessLogGenerator", "bae91bfb352ce8d1"),
    ("daphne.http_protocol", "HTTPFactory.__init__", "5a2ab14fe1e58653"),
    ("daphne.http_protocol", "HTTPFactory.buildProtocol", "35e878a6e0e41af2"),
    ("daphne.http_protocol", "WebRequest.process", "e9babd1c97ce710b"),
    ("twisted.web.http", "Request.__init__", "2d3f7dbd28d0ce02"),
    ("daphne.ws_protocol", "WebSocketProtocol.onOpen", "6be066589e00abb0"),
    ("daphne.ws_protocol", "WebSocketProtocol.onClose", "4d3b4d7c66afc2ba"),
    ("daphne.ws_protocol", "WebSocketProtocol.handle_reply", "5331423b1cf2016a"),
    ("daphne.ws_protocol", "WebSocketProtocol.serverClose", "8302150efac698d6"),
    ("daphne.ws_protocol", "WebSocketFactory", "782de066fb4f53ee"),
    ("autobahn.websocket.protocol", "WebSocketProtocol.sendCloseFrame", "a511406d6b0d711e"),
    ("autobahn.websocket.protocol", "WebSocketProtocol.sendClose", "6ccfd325e6272309"),
    ("twisted.internet.abstract", "FileDescriptor.startWriting", "8e2f899b7d73a0f5"),
    ("twisted.internet.abstract", "FileDescriptor.stopWriting", "3a6c0cff8fad8201"),
    ("twisted.internet.tcp", "Port.doRead", "d240fc123090ee23"),
    ("twisted.internet.asyncioreactor", "AsyncioSelectorReactor._readOrWrite", "df202ad63297273d"),
    ("twisted.internet.posixbase", "_DisconnectSelectableMixin._disconnectSelectable", "9d6de0e555ea44fe"),
    ("django.core.handlers.asgi", "ASGIHandler.__call__", "f756809e9c9308dc"),
    ("django.core.handlers.asgi", "ASGIHandler.handle", "98faeb5bef800331"),
    ("django.core.handlers.asgi", "ASGIHandler.create_request", "5eae59c6696013ff"),
    ("django.core.handlers.base", "BaseHandler.load_middleware", "a1fb7ee5f8586195"),
    ("channels.consumer", "AsyncConsumer.__call__", "e52238720872dbc3"),
    ("channels.utils", "await_many_dispatch", "30ef889498560da3"),
]


def library_object(module, path):
    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("module", "path", "digest"), SOURCE_PINS, ids=[f"{m}.{p}" for m, p, _ in SOURCE_PINS])
def test_library_code_a_seam_builds_on_is_the_code_it_was_written_for(module, path, digest):
    import csbot.server  # noqa: F401  (daphne's reactor first, as in a server process)

    source = inspect.getsource(library_object(module, path))
    found = hashlib.sha256(source.encode()).hexdigest()[:16]
    assert found == digest, f"{module}.{path} changed ({found}): re-read it and update the seam that builds on it"


@pytest.mark.parametrize("module", SEAM_MODULES)
def test_every_seam_checks_its_library_version_at_import(module):
    source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
    assert "require(" in source


def test_a_library_of_another_release_series_stops_the_import():
    with pytest.raises(versions.UnsupportedVersion, match=r"written for channels-redis 9\.9\.x, but 4\.3\.\d+ is installed"):
        versions.require("channels-redis", "9.9", "csbot.channel_layer")
    versions.require("channels-redis", "4.3", "csbot.channel_layer")  # the installed one passes


def library_names(tree):
    """Names bound by imports of modules outside the project."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in PROJECT_PACKAGES:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] not in PROJECT_PACKAGES:
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def base_name(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def assignments_to_libraries(path):
    """(line, target) of every assignment or setattr on a class or module imported from a library."""
    tree = ast.parse(path.read_text(), str(path))
    libraries = library_names(tree)
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            targets = [ast.Attribute(value=node.args[0], attr="?")] if node.args else []
        for target in targets:
            if isinstance(target, ast.Attribute) and base_name(target) in libraries:
                found.append((node.lineno, ast.unparse(target)))
    return found


def test_no_module_assigns_to_a_library_class_or_module():
    found = []
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            found += [(relative, line, target) for line, target in assignments_to_libraries(path)]
    assert not found


def test_the_check_finds_a_patch(tmp_path):
    patched = tmp_path / "patched.py"
    patched.write_text(
        "from channels_redis.pubsub import RedisSingleShardConnection\nimport twisted.internet.tcp as tcp\n"
        "RedisSingleShardConnection.subscribe = None\ntcp.Connection.startWriting = None\n"
        "setattr(RedisSingleShardConnection, 'publish', None)\n"
    )
    assert [line for line, _ in assignments_to_libraries(patched)] == [3, 4, 5]
