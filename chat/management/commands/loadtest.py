"""Simulate mini-program users against a csbot deployment and report latency, throughput and losses.

Three scenarios: `chat` (users chat on one URL), `storm` (idle customers over
several loopback instances, one of them killed) and `roll` (users chat
through a loopback proxy while a restart command rolls the instances).
"""

import asyncio
import json
import logging
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from chat.loadtest.plan import Plan
from chat.loadtest.report import render
from chat.loadtest.roll import default_roll_at, run_roll
from chat.loadtest.run import run
from chat.loadtest.scenario_report import render_scenario
from chat.loadtest.storm import Storm, run_storm
from chat.loadtest.targets import TargetError, require_loopback, require_server_pid, signal_number
from csbot import gcpolicy


def ramp_rate(value):
    """Parse a ramp such as "50/s" or "50"."""
    return float(value.removesuffix("/s"))


def read_credentials(path):
    """Read "TOKEN [DEVICE_ID]" lines; the device id defaults to the one the token was issued for, "lt-<n>"."""
    credentials = []
    with open(path) as handle:
        for n, line in enumerate(line for line in handle if line.strip()):
            token, _, device = line.strip().partition(" ")
            credentials.append((token, device.strip() or f"lt-{n}"))
    return credentials


class Command(BaseCommand):
    help = "Load the customer socket with simulated users on a fixed schedule and report what they saw."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=["chat", "storm", "roll"], default="chat",
                            help="chat: users on --url; storm: kill one of several instances under idle sockets; "
                                 "roll: chat through a proxy while --restart-cmd runs")
        parser.add_argument("--url", action="append", required=True,
                            help="ws://HOST:PORT the users connect to (storm: once per instance, the first is killed)")
        parser.add_argument("--users", type=int, default=10)
        parser.add_argument("--rate", type=float, default=0.2, help="messages per second per user")
        parser.add_argument("--duration", type=float, default=30, help="seconds of chatting, ramp included")
        parser.add_argument("--encoding", choices=["json", "proto"], default="json")
        parser.add_argument("--ramp", type=ramp_rate, default=50.0, help="new connections per second, e.g. 50/s")
        parser.add_argument("--agents", type=int, default=0, help="repliers posting an answer to every acked message")
        parser.add_argument("--agent-url", default="", help="instance the agents' replies are committed on")
        parser.add_argument("--consoles", type=int, default=0,
                            help="agent consoles that follow the users' conversations and time customer->agent delivery")
        parser.add_argument("--console-url", default="", help="instance the consoles connect to (default: --url)")
        parser.add_argument("--console-user", default="",
                            help="staff user the consoles sign in as; password in CSBOT_LOADTEST_CONSOLE_PASSWORD")
        parser.add_argument("--tokens", default="", help="file of 'TOKEN [DEVICE_ID]' lines instead of dev-login")
        parser.add_argument("--check-db", action="store_true", help="count lost/duplicated messages in DATABASE_URL")
        parser.add_argument("--server-pid", type=int, action="append", default=[], help="a daphne pid to watch (repeat)")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a connect or an ack")
        parser.add_argument("--json", default="", help="also write the report as JSON to this path")
        parser.add_argument("--bot", action="store_true",
                            help="users ask knowledge-base questions (each with an order number) and wait for the bot")
        parser.add_argument("--bot-kb", default="",
                            help="knowledge-base file whose stored questions are asked (default: the demo base)")
        storm = parser.add_argument_group("storm", "idle customers over the --url instances; the first one is killed")
        storm.add_argument("--idle", type=int, default=100, help="idle customers, spread over the instances")
        storm.add_argument("--idle-ramp", type=ramp_rate, default=200.0, help="new idle connections per second")
        storm.add_argument("--workers", type=int, default=1, help="processes that hold the idle sockets")
        storm.add_argument("--kill-pid", type=int, help="pid of the first instance's server process")
        storm.add_argument("--kill-cmd", default="", help="shell command that kills the first instance instead")
        storm.add_argument("--kill-signal", default="KILL", help="signal sent to --kill-pid (default KILL)")
        storm.add_argument("--before", type=float, default=10.0,
                           help="seconds the chatters (--users on the second instance) chat before the kill")
        storm.add_argument("--after", type=float, default=20.0,
                           help="seconds after the kill: the chatters' after window, and the time allowed to resume")
        roll = parser.add_argument_group("roll", "users chat through the proxy at --url while a restart runs")
        roll.add_argument("--restart-cmd", default="", help="shell command that rolls the instances, "
                          "e.g. 'scripts/rolling_restart.sh 8001 8002'")
        roll.add_argument("--roll-at", type=float, help="seconds after the start (default: after the ramp, +2 s)")
        roll.add_argument("--roll-timeout", type=float, default=300.0, help="seconds before the command is stopped")

    def handle(self, **options):
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the progress line
        plan = self.plan(options)
        credentials = read_credentials(options["tokens"]) if options["tokens"] else ()
        if credentials and len(credentials) < plan.users:
            raise CommandError(f"--tokens has {len(credentials)} lines for {plan.users} users")
        if options["scenario"] == "storm" and credentials and len(credentials) < plan.users + options["idle"]:
            raise CommandError(f"--tokens has {len(credentials)} lines for {plan.users} chatters and "
                               f"{options['idle']} idle customers")
        if options["check_db"] and not os.environ.get("DATABASE_URL"):
            raise CommandError("--check-db reads the deployment's database: set DATABASE_URL")
        if plan.agents:
            self.stderr.write(
                "agents: each acknowledged message is answered through the HTTP message API on "
                f"{plan.agent_http_url}, timed until it reaches the user's socket; the staff console socket is not driven"
            )
        # The generator holds every simulated socket: its own collector pauses
        # would be timed as server latency, so it runs like a server process.
        gcpolicy.apply(freeze=settings.CSBOT_GC_FREEZE, thresholds=settings.CSBOT_GC_THRESHOLDS)
        result = asyncio.run(self.scenario(plan, options, credentials))
        sys.stderr.write("\n")
        acked_ids = result.pop("acked_ids")
        result["database"] = self.check_db(plan, acked_ids) if options["check_db"] else None
        self.stdout.write("\n".join([render(result), *render_scenario(result)]))
        if options["json"]:
            with open(options["json"], "w") as handle:
                json.dump(result, handle, indent=2, ensure_ascii=False)
        failed = self.failure(result)
        if failed:
            raise CommandError(failed)

    def scenario(self, plan, options, credentials):
        """Return the coroutine of the chosen scenario."""
        progress = lambda line: sys.stderr.write("\r" + line)  # noqa: E731
        if options["scenario"] == "storm":
            storm = Storm(
                urls=options["url"], idle=options["idle"], idle_ramp=options["idle_ramp"], workers=options["workers"],
                kill_pid=options["kill_pid"], kill_command=options["kill_cmd"],
                kill_signal=signal_number(options["kill_signal"]), before_s=options["before"],
                after_s=options["after"], server_pids=tuple(options["server_pid"]),
                idle_credentials=tuple(credentials[plan.users:]),
            )
            return run_storm(storm, plan, credentials=credentials[:plan.users], progress=progress)
        if options["scenario"] == "roll":
            roll_at = options["roll_at"] if options["roll_at"] is not None else default_roll_at(plan)
            return run_roll(plan, command=options["restart_cmd"], roll_at=roll_at, timeout_s=options["roll_timeout"],
                            credentials=credentials, server_pids=options["server_pid"], progress=progress)
        return run(plan, credentials=credentials, server_pids=options["server_pid"], progress=progress)

    def failure(self, result):
        """Return why the storm's kill or the roll's command failed, if it did: the run then exits non-zero."""
        kill = (result.get("storm") or {}).get("kill") or {}
        if "error" in kill or kill.get("returncode") or kill.get("timed_out"):
            return f"the kill failed: {kill}"
        roll = result.get("roll") or {}
        if roll.get("returncode") or roll.get("timed_out"):
            return f"the restart command failed (exit {roll.get('returncode')}, timed out {roll.get('timed_out')})"
        return ""

    def plan(self, options):
        self.check_targets(options)
        if options["scenario"] == "storm":
            # The chatters' schedule follows from the storm's phases (see chat/loadtest/storm.py).
            options["duration"] = options["users"] / options["ramp"] + options["before"] + options["after"]
        if options["users"] < 1 or options["rate"] <= 0 or options["duration"] <= 0 or options["ramp"] <= 0:
            raise CommandError("--users, --rate, --duration and --ramp must be positive")
        if options["agents"] and not options["agent_url"]:
            options["agent_url"] = options["url"][0]
        if options["consoles"] < 0 or (options["consoles"] and not options["console_user"]):
            raise CommandError("--consoles needs --console-user (and CSBOT_LOADTEST_CONSOLE_PASSWORD)")
        return Plan(
            url=options["url"][0], users=options["users"], rate=options["rate"], duration_s=options["duration"],
            encoding=options["encoding"], ramp=options["ramp"], agents=options["agents"],
            agent_url=options["agent_url"], timeout_s=options["timeout"], consoles=options["consoles"],
            console_url=options["console_url"] or options["url"][0], console_user=options["console_user"],
            console_password=os.environ.get("CSBOT_LOADTEST_CONSOLE_PASSWORD", ""),
            bot_questions=self.bot_questions(options) if options["bot"] else (),
        )

    def check_targets(self, options):
        """Refuse a storm or a roll that could reach anything but csbot instances on this machine."""
        scenario, urls = options["scenario"], options["url"]
        if scenario != "storm" and len(urls) > 1:
            raise CommandError(f"--scenario {scenario} takes one --url")
        try:
            if scenario == "storm":
                if len(urls) < 2:
                    raise CommandError("--scenario storm needs two --url or more: the first is killed")
                if (options["kill_pid"] is None) == (not options["kill_cmd"]):
                    raise CommandError("--scenario storm needs one of --kill-pid and --kill-cmd")
                if options["idle"] < 1 or options["workers"] < 1 or options["idle_ramp"] <= 0:
                    raise CommandError("--idle, --workers and --idle-ramp must be positive")
                if options["before"] <= 0 or options["after"] <= 0:
                    raise CommandError("--before and --after must be positive")
                signal_number(options["kill_signal"])
                if options["kill_pid"] is not None:
                    require_server_pid(options["kill_pid"])
            if scenario == "roll" and not options["restart_cmd"]:
                raise CommandError("--scenario roll needs --restart-cmd")
            if scenario in ("storm", "roll"):
                require_loopback(urls)
        except TargetError as exc:
            raise CommandError(str(exc)) from exc

    def bot_questions(self, options):
        """The stored questions of a knowledge-base file: what customers of that base ask."""
        from chat.bot.formats import KBFormatError, format_for, parse
        from chat.bot.knowledge import DEMO_KB_PATH

        path = options["bot_kb"] or str(DEMO_KB_PATH)
        try:
            with open(path, encoding="utf-8") as handle:
                entries = parse(handle.read(), format_for(path, None))
        except (OSError, KBFormatError) as exc:
            raise CommandError(f"--bot-kb {path}: {exc}") from exc
        questions = tuple(q for e in entries if e.enabled for q in e.questions)
        if not questions:
            raise CommandError(f"--bot-kb {path}: no stored questions to ask")
        return questions

    def check_db(self, plan, acked_ids):
        from chat.loadtest.checks import check_database

        try:
            return check_database(plan.run_id, acked_ids)
        except OperationalError as exc:
            self.stderr.write(f"--check-db: database not reachable ({exc}); skipped")
            return None
