"""The load generator against a real daphne: nothing lost, nothing doubled, JSON logs, /metrics."""

import json
import subprocess
import sys

import httpx
import pytest

from chat.loadtest.plan import Plan, http_base, ws_base
from chat.loadtest.stats import Recorder, after, percentile, summary_ms
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e


def test_percentile_and_summary():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2, 4], 50) == 2 and percentile([3, 1, 2, 4], 99) == 4
    assert summary_ms([0.001, 0.002]) == {"count": 2, "mean": 1.5, "p50": 1.0, "p95": 2.0, "p99": 2.0, "max": 2.0}
    assert after([0.5, 0.1, 0.2], [1.0, 5.0, 6.0], 5.0) == [0.1, 0.2]


def test_progress_line_counts_what_the_consoles_showed_only_when_there_are_consoles():
    rec = Recorder()
    rec.connected, rec.sent, rec.acked = 3, 5, 4
    line = rec.progress(10)
    assert "connected 3/10 sent 5 acked 4 delivered 0 ack p50 -" in line
    assert "to agents" not in line
    assert "delivered 0 to agents 7 ack" in rec.progress(10, 7)


def test_plan_derives_urls_and_bounds_the_schedule():
    plan = Plan(url="ws://127.0.0.1:8001/ws/chat/", users=2, rate=0.5, duration_s=10, agent_url="http://127.0.0.1:8002")
    assert (plan.url, plan.http_url, plan.agent_http_url) == ("ws://127.0.0.1:8001", "http://127.0.0.1:8001", "http://127.0.0.1:8002")
    assert plan.max_messages == 6
    assert ws_base("https://chat.example.com") == "wss://chat.example.com"
    assert http_base("wss://chat.example.com/x") == "https://chat.example.com"


@pytest.fixture
def server():
    database = Database("sqlite")
    daphne = Daphne(database)
    yield database, daphne
    daphne.kill()
    database.drop()


@pytest.mark.parametrize("encoding", ["json", "proto"])
def test_small_load_run_loses_and_doubles_nothing(server, tmp_path, encoding):
    database, daphne = server
    report_path = tmp_path / "report.json"
    command = [
        sys.executable, "manage.py", "loadtest", "--url", daphne.ws, "--users", "5", "--rate", "1", "--duration", "5",
        "--ramp", "20/s", "--encoding", encoding, "--agents", "1", "--check-db", "--server-pid", str(daphne.proc.pid),
        "--json", str(report_path),
    ]
    done = subprocess.run(command, cwd=ROOT, env=database.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ack latency" in done.stdout and "connected" in done.stderr
    report = json.loads(report_path.read_text())
    assert report["connect"]["users_connected"] == 5
    assert report["messages"]["acked"] == report["messages"]["sent"] >= 20
    assert report["messages"]["unacked"] == report["messages"]["client_duplicates"] == 0
    assert report["database"]["lost"] == report["database"]["duplicated"] == 0
    assert report["database"]["conversations_with_seq_gaps"] == 0
    assert report["delivery"]["undelivered"] == 0 and report["delivery"]["latency_ms"]["count"] > 0
    assert report["errors"] == {}
    assert report["server"][str(daphne.proc.pid)]["cpu_percent"] is not None
    steady = report["steady_state"]  # every user connected, so the run has a steady state
    assert steady["from_s"] > 0 and steady["ack_latency_ms"]["count"] <= report["ack_latency_ms"]["count"]
    assert "after ramp" in done.stdout and report["load_generator_cpu_percent"] > 0
    lag = steady["load_generator_loop_lag_ms"]  # sampled every 10 ms for the ~4.7 s after the ramp
    assert lag["count"] >= 100 and 0 <= lag["p50"] <= lag["p99"] <= lag["max"]
    assert "generator lag" in done.stdout

    metrics = httpx.get(f"{daphne.http}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert f'csbot_frames_in_total{{encoding="csbot.v1.{encoding}",type="message"}}' in metrics.text
    assert 'csbot_gc_pause_seconds_count{generation="0"}' in metrics.text  # the server runs the collector policy

    lines = [json.loads(line) for line in daphne.output().splitlines() if line.startswith("{")]
    events = [line for line in lines if line.get("logger") == "chat.consumers"]
    assert sum(line.get("event") == "connect" for line in events) == 5
    closed = [line for line in events if line.get("event") == "close"]
    assert len(closed) == 5 and all(line["instance"] == "a" and "duration_s" in line for line in closed)
    assert "where is my order" not in daphne.output()  # message text stays out of production logs


def test_users_reconnect_with_resume_and_resend_without_doubling(tmp_path):
    """A tight rate limit closes sockets with 4429; users resume and resend, and the database holds each message once."""
    database = Database("sqlite")
    daphne = Daphne(database, CSBOT_RATE_LIMIT_BURST=4, CSBOT_RATE_LIMIT_PER_S=1)
    try:
        report_path = tmp_path / "report.json"
        command = [
            sys.executable, "manage.py", "loadtest", "--url", daphne.ws, "--users", "3", "--rate", "2", "--duration", "6",
            "--ramp", "10/s", "--check-db", "--json", str(report_path),
        ]
        done = subprocess.run(command, cwd=ROOT, env=database.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        report = json.loads(report_path.read_text())
    finally:
        daphne.kill()
        database.drop()
    assert report["errors"].get("closed_4429", 0) > 0 and report["connect"]["reconnects"] > 0
    assert report["messages"]["resent"] > 0 and report["messages"]["client_duplicates"] == 0
    assert report["database"]["lost"] == report["database"]["duplicated"] == 0
    assert report["database"]["conversations_with_seq_gaps"] == 0


@pytest.mark.redis
@pytest.mark.postgres
def test_consoles_on_another_instance_time_every_customer_message(pg_database, redis_url, tmp_path):
    """Users on one instance, agent consoles on the other: every message sent once they follow reaches them, once."""
    env = {**pg_database.env, "DJANGO_SUPERUSER_PASSWORD": "console-pass"}
    made = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "ops",
                           "--email", "ops@example.com"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    users_on = Daphne(pg_database, redis_url=redis_url, name="a")
    consoles_on = Daphne(pg_database, redis_url=redis_url, name="b")
    try:
        def load(password, report_path):
            command = [
                sys.executable, "manage.py", "loadtest", "--url", users_on.ws, "--users", "6", "--rate", "1",
                "--duration", "5", "--ramp", "20/s", "--consoles", "2", "--console-url", consoles_on.ws,
                "--console-user", "ops", "--json", str(report_path),
            ]
            done = subprocess.run(command, cwd=ROOT, env={**pg_database.env, "CSBOT_LOADTEST_CONSOLE_PASSWORD": password},
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            return done.stdout, json.loads(report_path.read_text())

        stdout, report = load("console-pass", tmp_path / "report.json")
        refused_stdout, refused = load("wrong", tmp_path / "refused.json")
    finally:
        users_on.kill()
        consoles_on.kill()
    agents = report["agent_delivery"]
    assert agents["users_followed"] == 6
    assert agents["delivered"] >= 15 and agents["undelivered"] == agents["duplicates"] == 0
    assert agents["latency_ms"]["count"] == agents["delivered"] and "to agents" in stdout
    assert report["errors"] == {} and report["messages"]["unacked"] == 0
    # A console that cannot sign in is an error in the report, not a silent zero.
    assert refused["errors"] == {"console_sign_in_RuntimeError": 1}
    assert refused["agent_delivery"]["delivered"] == 0 and "to agents" in refused_stdout


def test_bot_questions_carry_fresh_order_numbers_in_the_customers_language():
    plan = Plan(url="ws://127.0.0.1:1", users=2, rate=1, duration_s=5, bot_questions=("运费多少", "how do I get a refund"))
    assert plan.text(0, 0) == "运费多少 订单号000000000"
    texts = {plan.text(n, u) for n in range(4) for u in range(2)}
    assert len(texts) == 8  # no two messages alike: no cache of exact texts answers them
    assert any(t.startswith("how do I get a refund order #") for t in texts)
    # The questions asked last wait for their answers before they count as unanswered.
    assert plan.drain_s == 15.0 and Plan(url="ws://127.0.0.1:1", users=1, rate=1, duration_s=5).drain_s == 5.0


def test_bot_scenario_times_every_answer_and_counts_none_unanswered(tmp_path):
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "load_demo_kb"], cwd=ROOT, env=database.env, check=True,
                   capture_output=True)
    daphne = Daphne(database, CSBOT_BOT_ENABLED=1, CSBOT_RATE_LIMIT_PER_S=100, CSBOT_RATE_LIMIT_BURST=100)
    try:
        report_path = tmp_path / "report.json"
        command = [sys.executable, "manage.py", "loadtest", "--url", daphne.ws, "--users", "3", "--rate", "0.5",
                   "--duration", "6", "--bot", "--timeout", "30", "--json", str(report_path)]
        done = subprocess.run(command, cwd=ROOT, env=database.env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert "bot answers" in done.stdout, done.stdout
        bot = json.loads(report_path.read_text())["bot"]
        asked = json.loads(report_path.read_text())["messages"]["acked"]
        turns = database.query("SELECT state, outcome FROM chat_botturn")
        bots = database.query("SELECT sender, seq, text FROM chat_message ORDER BY id")
        assert bot["answered"] >= 1 and bot["unanswered"] == 0, (turns, bots)
        assert bot["answered"] + bot["superseded"] <= asked
        assert bot["latency_ms"]["count"] == bot["answered"]
    finally:
        daphne.kill()
        database.drop()
