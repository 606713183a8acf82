"""Simulate mini-program users against a csbot deployment and report latency, throughput and losses."""

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
from chat.loadtest.run import run
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
        parser.add_argument("--url", required=True, help="ws://HOST:PORT of the instance the users connect to")
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

    def handle(self, **options):
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the progress line
        plan = self.plan(options)
        credentials = read_credentials(options["tokens"]) if options["tokens"] else ()
        if credentials and len(credentials) < plan.users:
            raise CommandError(f"--tokens has {len(credentials)} lines for {plan.users} users")
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
        result = asyncio.run(run(plan, credentials=credentials, server_pids=options["server_pid"],
                                 progress=lambda line: sys.stderr.write("\r" + line)))
        sys.stderr.write("\n")
        acked_ids = result.pop("acked_ids")
        result["database"] = self.check_db(plan, acked_ids) if options["check_db"] else None
        self.stdout.write(render(result))
        if options["json"]:
            with open(options["json"], "w") as handle:
                json.dump(result, handle, indent=2, ensure_ascii=False)

    def plan(self, options):
        if options["users"] < 1 or options["rate"] <= 0 or options["duration"] <= 0 or options["ramp"] <= 0:
            raise CommandError("--users, --rate, --duration and --ramp must be positive")
        if options["agents"] and not options["agent_url"]:
            options["agent_url"] = options["url"]
        if options["consoles"] < 0 or (options["consoles"] and not options["console_user"]):
            raise CommandError("--consoles needs --console-user (and CSBOT_LOADTEST_CONSOLE_PASSWORD)")
        return Plan(
            url=options["url"], users=options["users"], rate=options["rate"], duration_s=options["duration"],
            encoding=options["encoding"], ramp=options["ramp"], agents=options["agents"],
            agent_url=options["agent_url"], timeout_s=options["timeout"], consoles=options["consoles"],
            console_url=options["console_url"] or options["url"], console_user=options["console_user"],
            console_password=os.environ.get("CSBOT_LOADTEST_CONSOLE_PASSWORD", ""),
            bot_questions=self.bot_questions(options) if options["bot"] else (),
        )

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
