"""Daphne's sockets send on the next loop turn, and fall back to epoll when the kernel is full.

A real Twisted server on the asyncio reactor, its port making csbot's connections,
writes 8 MiB in small and large pieces and closes; a plain socket client
reads it, once at once and once only after the server's buffers filled.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.twisted_writer import expected

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def writer(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/support/twisted_writer.py"), str(port_file)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists() or " " not in port_file.read_text():
            assert proc.poll() is None, "writer exited"
            assert time.monotonic() < deadline, "writer did not start"
            time.sleep(0.05)
        port, mode = port_file.read_text().split()
        yield int(port), mode
    finally:
        proc.kill()
        proc.wait(timeout=10)


def read_all(port, *, wait_before_reading):
    with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        time.sleep(wait_before_reading)
        received = bytearray()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            chunk = client.recv(1 << 16)
            if not chunk:
                return bytes(received)
            received += chunk
    raise AssertionError("no EOF within 30 s")


def test_the_port_makes_flushing_connections(writer):
    assert writer[1] == "FlushingConnection"


@pytest.mark.parametrize("wait_before_reading", [0, 1.0], ids=["reader-ready", "reader-late"])
def test_every_byte_arrives_in_order_then_the_close(writer, wait_before_reading):
    received = read_all(writer[0], wait_before_reading=wait_before_reading)
    want = expected()
    assert len(received) == len(want)
    assert received == want
