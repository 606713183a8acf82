"""The load generator's storm and roll scenarios, for real and small: daphne instances, PostgreSQL, Redis, nginx."""

import json
import os
import signal
import subprocess
import sys

import pytest

from chat.loadtest.backoff import full_jitter
from chat.loadtest.targets import TargetError, is_loopback, require_server_pid, signal_number
from scripts.prod_like import Instance
from tests.support.proxy import Nginx, TestPKI
from tests.support.servers import ROOT, Daphne
from tests.support.services import free_port

pytestmark = pytest.mark.e2e


def loadtest(*args, env, timeout=150):
    """Run `manage.py loadtest` with `args`; return the finished process."""
    return subprocess.run([sys.executable, "manage.py", "loadtest", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_full_jitter_stays_under_the_sdks_ceiling():
    waits = [full_jitter(attempt) for attempt in (0, 1, 2, 10, 60) for _ in range(50)]
    assert all(0 <= w <= 30 for w in waits)
    assert max(full_jitter(0) for _ in range(50)) <= 1.0


def test_targets_are_loopback_servers_only():
    assert is_loopback("ws://127.0.0.1:8001") and is_loopback("wss://localhost:8443") and is_loopback("ws://[::1]:1")
    assert not is_loopback("wss://chat.example.com") and not is_loopback("ws://10.0.0.5:8001")
    assert signal_number("KILL") == signal_number("SIGKILL") == signal_number("9") == signal.SIGKILL
    with pytest.raises(TargetError, match="not a csbot server"):
        require_server_pid(os.getpid())  # pytest itself: not a server, never signalled


def test_storm_and_roll_refuse_what_they_should_not_touch():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "csbot.settings"}
    remote = loadtest("--scenario", "roll", "--url", "wss://chat.example.com", "--restart-cmd", "true", env=env)
    assert remote.returncode != 0 and "only run against loopback" in remote.stderr
    one = loadtest("--scenario", "storm", "--url", "ws://127.0.0.1:1", "--kill-cmd", "true", env=env)
    assert one.returncode != 0 and "needs two --url" in one.stderr
    pid = loadtest("--scenario", "storm", "--url", "ws://127.0.0.1:1", "--url", "ws://127.0.0.1:2",
                   "--kill-pid", str(os.getpid()), env=env)
    assert pid.returncode != 0 and "not a csbot server" in pid.stderr


@pytest.mark.redis
@pytest.mark.postgres
def test_storm_brings_every_customer_of_the_killed_instance_back_on_the_other(pg_database, redis_url, tmp_path):
    victim = Daphne(pg_database, redis_url=redis_url, name="a")
    survivor = Daphne(pg_database, redis_url=redis_url, name="b")
    report_path = tmp_path / "storm.json"
    try:
        done = loadtest(
            "--scenario", "storm", "--url", victim.ws, "--url", survivor.ws, "--kill-pid", str(victim.proc.pid),
            "--server-pid", str(victim.proc.pid), "--server-pid", str(survivor.proc.pid), "--idle", "40",
            "--idle-ramp", "40/s", "--workers", "2", "--users", "4", "--rate", "2", "--ramp", "20/s",
            "--before", "3", "--after", "8", "--check-db", "--json", str(report_path), env=pg_database.env,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        assert victim.proc.poll() == -signal.SIGKILL and survivor.alive()
    finally:
        victim.kill()
        survivor.kill()
    report = json.loads(report_path.read_text())
    storm = report["storm"]
    assert storm["idle_synced"] == 40 and storm["idle_held_per_instance"] == [20, 20]
    assert storm["held_at_kill"][0] == 20 and storm["kill"] == {"pid": victim.proc.pid, "signal": "SIGKILL"}
    assert storm["customers_closed_by_kill"] == storm["synced_again"] == 20 and storm["not_back"] == 0
    assert storm["resumed_on"] == {survivor.ws: 20}
    back = storm["kill_to_synced_again_ms"]
    assert back["count"] == 20 and 0 < back["p50"] <= back["p99"] <= back["max"] < 8000
    assert storm["closes"].get("1006") == 20 and storm["refused_1013"] == storm["closes"].get("1013", 0)
    for window in ("chatters_before_kill", "chatters_after_kill"):
        acks = storm[window]["ack_latency_ms"]
        assert acks["count"] > 0 and acks["p50"] <= acks["p99"], window
    assert [m["idle_sockets"] for m in storm["memory"]] == [20, 20]
    assert all(m["rss_before_mib"] and m["rss_with_idle_mib"] for m in storm["memory"])
    assert report["database"]["lost"] == report["database"]["duplicated"] == 0
    assert report["database"]["conversations_with_seq_gaps"] == 0 and report["messages"]["unacked"] == 0
    assert "kill->synced" in done.stdout and "chatters ack after kill" in done.stdout


@pytest.mark.redis
@pytest.mark.postgres
def test_roll_under_chatting_users_loses_nothing_and_times_the_way_back(pg_database, redis_url, tmp_path):
    env = {**pg_database.env, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    ports = [free_port(), free_port()]
    instances = [Instance(f"web-{i + 1}", port, env, log_dir=tmp_path, python=sys.executable)
                 for i, port in enumerate(ports)]
    pki, proxy = TestPKI(), None
    report_path = tmp_path / "roll.json"
    try:
        for instance in instances:
            instance.wait_ready(timeout=60)
        proxy = Nginx(pki, [f"127.0.0.1:{p}" for p in ports], static_root=tmp_path)
        restart = f"{ROOT / 'scripts' / 'rolling_restart.sh'} {ports[0]} {ports[1]}"
        done = loadtest(
            "--scenario", "roll", "--url", proxy.ws, "--restart-cmd", restart, "--users", "10", "--rate", "1",
            "--duration", "25", "--ramp", "20/s", "--roll-at", "3", "--roll-timeout", "60", "--check-db",
            "--json", str(report_path),
            env={**pg_database.env, "SSL_CERT_FILE": str(pki.root), "CSBOT_SETTLE_S": "1",
                 "CSBOT_RESTART_CMD": f"kill -TERM $(cat {tmp_path}/web-{{port}}.pid)"},
        )
        assert done.returncode == 0, done.stderr + done.stdout
        starts = [instance.starts for instance in instances]
    finally:
        if proxy:
            proxy.stop()
        for instance in instances:
            instance.stop()
        pki.close()
    assert starts == [2, 2]  # each instance was restarted once
    report = json.loads(report_path.read_text())
    roll = report["roll"]
    assert roll["returncode"] == 0 and not roll["timed_out"] and roll["finished_before_end"]
    assert "rolled 2 instance(s)" in roll["output_tail"]
    assert roll["ack_latency_ms"]["count"] > 0 and roll["ack_latency_ms"]["p50"] <= roll["ack_latency_ms"]["p99"]
    back = roll["close_to_synced_again_ms"]
    assert back["count"] >= 10 and back["p99"] < 10000  # every user's socket closed at least once, and came back
    assert isinstance(roll["handshakes_refused"], int) and roll["closed_1013"] >= 0
    assert report["messages"]["sent"] >= 200 and report["messages"]["unacked"] == 0
    assert report["messages"]["client_duplicates"] == 0
    assert report["database"]["lost"] == report["database"]["duplicated"] == 0
    assert report["database"]["conversations_with_seq_gaps"] == 0
    assert "ack in roll" in done.stdout and "close->synced" in done.stdout
