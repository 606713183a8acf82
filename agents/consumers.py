"""The agent console's socket at /ws/agent/: decode, check, call an action, encode."""

import asyncio
import json
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat import db, events, metrics, realtime
from chat.dispatching import LeanDispatch
from chat.events import Kind
from chat.http_input import clean_text
from chat.presenters import (
    assigned_frame,
    console_error_frame,
    console_pong_frame,
    console_rated_frame,
    console_relayed_frame,
    console_synced_frame,
    console_welcome_frame,
    done_frame,
    note_frame,
    refused_frame,
    typing_frame,
    viewers_frame,
)
from chat.protocol.errors import CloseCode, ErrorCode

from . import access, commands, console, language, presence, runner
from .permissions import is_agent
from .tracking import SeqTracker, Viewers

log = logging.getLogger(__name__)
FORBIDDEN, UNAUTHORIZED, BAD_FRAME = CloseCode.FORBIDDEN, CloseCode.UNAUTHORIZED, CloseCode.PROTOCOL_ERROR
MAX_TEXT = 4000
COMMANDS = {"take_over", "return_to_bot", "close", "transfer", "reply", "note", "read"}
FREES_ROOM = {"return_to_bot", "close", "transfer"}
# The frames a console may send; other handlers (on_viewer, show_*) serve channel-layer events only.
CLIENT_FRAMES = frozenset({"hello", "ping", "status", "open", "leave", "typing", "command"})
MAX_ID = 2**63 - 1  # ids are 64-bit columns
MAX_SEQ = 2**31 - 1  # seq is a 32-bit column


def _id(value, maximum=MAX_ID):
    """An id or seq from a frame: an integer or a string of digits within its column's range, else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("ids must be integers or strings of digits")
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 19):
        raise ValueError("ids must be integers or strings of digits")
    number = int(value)
    if not 0 <= number <= maximum:
        raise ValueError("id out of range")
    return number


def _text(value):
    """Text an agent sends: a string that can be stored (no NUL, no unpaired surrogate), trimmed, at most MAX_TEXT."""
    if not isinstance(value, str) or not clean_text(value):
        raise ValueError("text must be a string without NUL or unpaired surrogates")
    return value.strip()[:MAX_TEXT]


def _accept_language(scope):
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            return value.decode("latin-1")
    return ""


class AgentConsumer(LeanDispatch, AsyncWebsocketConsumer):
    """One agent console."""

    user = None

    async def connect(self):
        """Accept signed-in agents only; others get an error frame and 4401 or 4403."""
        self.user = self.scope.get("user")
        self.language = await db.read(language.language_for, self.user, _accept_language(self.scope))
        await self.accept()
        if not (self.user and self.user.is_authenticated):
            return await self.refuse(UNAUTHORIZED, ErrorCode.UNAUTHORIZED, gettext_lazy("Sign in again."))
        if not await db.read(is_agent, self.user):
            return await self.refuse(FORBIDDEN, ErrorCode.FORBIDDEN, gettext_lazy("Only staff allowed to handle conversations may use the console."))
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.seqs, self.viewers, self.viewing, self.mine = SeqTracker(), Viewers(), None, set()
        self.last_lists, self.refresh_task, self.refresh_wanted, self.last_typing = None, None, False, 0.0
        self.profile = await db.read(presence.touch, user=self.user)
        await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        runner.register(self)

    async def refuse(self, code, error, message):
        with translation.override(self.language):
            message = str(message)
        await self.send_json(console_error_frame(ErrorCode(error), message))
        await self.close(code=code)

    async def still_allowed(self):
        """Reload the user through the session; close the console and return False when they may no longer work."""
        if getattr(self, "refused", False):
            return False
        user, problem = await db.read(access.recheck, self.user.pk, self.session_key)
        if problem is None:
            self.user = user  # fresh permissions for the command about to run
            return True
        self.refused = True
        log.info("console closed: access withdrawn", extra={"event": "console_refused", "user": self.user.pk, "error": problem})
        if problem == access.UNAUTHORIZED:
            await self.refuse(UNAUTHORIZED, problem, "signed out; log in again")
        else:
            await self.refuse(FORBIDDEN, problem, "no longer allowed to use the console")
        return False

    async def disconnect(self, code):
        """Leave every group; the agent turns offline once no console has touched them for a minute."""
        if getattr(self, "seqs", None) is None:
            return
        runner.unregister(self)
        if self.viewing is not None:
            await self._announce(self.viewing, "leave")
        for group in [realtime.QUEUE_GROUP] + [realtime.conversation_group(c) for c in self.seqs.last]:
            await self.channel_layer.group_discard(group, self.channel_name)
        await db.read(presence.touch, user=self.user)

    async def send_json(self, frame):
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def receive(self, text_data=None, bytes_data=None):
        """Decode one frame and run it; a bad frame closes with 4400, a refused command answers an error."""
        if getattr(self, "seqs", None) is None:
            return
        try:
            frame = json.loads(text_data or "")
            kind = frame["type"]
            if not isinstance(kind, str) or kind not in CLIENT_FRAMES:
                raise ValueError("unknown frame type")
            handler = getattr(self, f"on_{kind}")
            if kind != "ping" and not await self.still_allowed():
                return
            await handler(frame)
        except commands.Refused as exc:
            with translation.override(self.language):
                message = str(exc.message)
            await self.send_json(refused_frame(exc.code, message, frame.get("ref")))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError) as exc:
            # The detail is for the log (never the input itself: JSON nested thousands deep, a number
            # too big for int); the agent gets a sentence in their language, not a Python error.
            log.info("bad console frame: %s", type(exc).__name__)
            with translation.override(self.language):
                message = _("The console sent something the server does not understand. Reload the page.")
            await self.send_json(console_error_frame(ErrorCode.BAD_FRAME, message))
            await self.close(code=BAD_FRAME)
        except Exception:
            # A fault of ours, not the console's: report it and keep the console open.
            log.exception("console frame failed")
            await self.send_json(console_error_frame(ErrorCode.SERVER_ERROR, "server error"))

    # --- frames from the console -----------------------------------------

    async def on_hello(self, frame):
        """Answer with welcome, the lists, then what was missed per conversation, then synced."""
        if frame.get("status") in presence.Status.values:
            self.profile = await db.read(presence.touch, user=self.user, status=frame["status"])
        await self.tell_colleagues()
        await self.send_json(console_welcome_frame(
            user_id=self.user.pk, name=self.profile.name, canned=await db.read(console.canned_responses),
            server_time=int(time.time() * 1000),
        ))
        await self.resume(frame.get("conversations") or {})
        await self.refresh()
        await self.send_json(console_synced_frame())
        runner.nudge()

    async def resume(self, known):
        """Send every message after the seq the console has, per conversation it may follow."""
        if not isinstance(known, dict) or len(known) > 1000:
            raise ValueError("conversations must be an object of at most 1000 ids")
        known = {_id(k): _id(v, MAX_SEQ) for k, v in known.items()}
        visible = await db.read(console.visible_ids, self.user, list(known))
        for conversation_id, last_seq in visible.items():
            await self.follow(conversation_id, known[conversation_id])
            await self.fill(conversation_id, upto=last_seq)

    async def on_ping(self, frame):
        await self.send_json(console_pong_frame(frame.get("ts")))

    async def on_status(self, frame):
        if frame["status"] not in presence.Status.values:
            raise ValueError("status must be online, away or offline")
        self.profile = await db.read(presence.touch, user=self.user, status=frame["status"])
        await self.refresh()
        await self.tell_colleagues()
        runner.nudge()

    async def tell_colleagues(self):
        """Have every console read its lists again: who may take a transfer just changed."""
        await realtime.publish_many([(realtime.QUEUE_GROUP, events.queue())])

    async def on_open(self, frame):
        """Show one conversation: its transcript, then live messages, typing and viewers."""
        conversation_id = _id(frame["conversation_id"])
        with translation.override(self.language):
            transcript = await db.read(commands.open_transcript, user=self.user, conversation_id=conversation_id)
        if self.viewing not in (None, conversation_id):
            await self.on_leave({"conversation_id": self.viewing})
        self.viewing, self.viewing_customer = conversation_id, transcript["customer"]["id"]
        await self.follow(conversation_id, transcript["conversation"]["last_seq"])
        transcript["viewers"] = self.viewers.names(conversation_id)
        await self.send_json(transcript)
        await self.fill(conversation_id)  # what was committed between the read and joining the group
        await self._announce(conversation_id, "join")

    async def on_leave(self, frame):
        conversation_id = _id(frame["conversation_id"])
        if self.viewing == conversation_id:
            self.viewing = None
            await self._announce(conversation_id, "leave")
            if conversation_id not in self.mine:
                await self.unfollow(conversation_id)

    async def on_typing(self, frame):
        """Tell the customer the assigned agent (or a manager) is typing, at most once per 2 s."""
        now = time.monotonic()
        if self.viewing == _id(frame["conversation_id"]) and now - self.last_typing >= 2:
            self.last_typing = now
            customer_id = await db.read(commands.may_type, user=self.user, conversation_id=self.viewing)
            if customer_id is None:
                raise commands.Refused("forbidden", "only the assigned agent or a manager can type to the customer")
            await realtime.publish_many([(realtime.customer_group(customer_id), events.typing(
                conversation_id=self.viewing, frame=typing_frame("agent")))])

    async def on_command(self, frame):
        """Run a command through its domain action and answer `done` with the same ref."""
        name = frame["command"]
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}")
        if frame.get("conversation_id") in (None, ""):
            raise commands.Refused("no_conversation", commands.NO_CONVERSATION)
        args = {"conversation_id": _id(frame["conversation_id"])}
        if name in ("reply", "note"):
            args["text"] = _text(frame.get("text", ""))
            if name == "reply" and frame.get("media_id") not in (None, ""):
                args["media_id"] = _id(frame["media_id"])  # a picture uploaded from the console
            elif not args["text"]:
                raise commands.Refused("empty", commands.EMPTY)
        if name == "transfer":
            args["agent_id"] = _id(frame["agent_id"])
        if name == "read":
            args["seq"] = _id(frame["seq"], MAX_SEQ)
        await db.call(getattr(commands, name), user=self.user, **args)
        await self.send_json(done_frame(frame.get("ref"), name))
        if name in FREES_ROOM:
            runner.nudge()
        self.schedule_refresh()

    # --- following conversations -----------------------------------------

    async def follow(self, conversation_id, last_seq):
        if not self.seqs.following(conversation_id):
            await self.channel_layer.group_add(realtime.conversation_group(conversation_id), self.channel_name)
        self.seqs.follow(conversation_id, last_seq)

    async def unfollow(self, conversation_id):
        self.seqs.forget(conversation_id)
        await self.channel_layer.group_discard(realtime.conversation_group(conversation_id), self.channel_name)

    async def fill(self, conversation_id, upto=None):
        """Send the messages of a conversation after the last one shown, from the database."""
        after = self.seqs.last.get(conversation_id, 0)
        if upto is not None and upto <= after:
            return
        for message in await db.read(console.catch_up, conversation_id, after, upto=upto):
            await self.send_json(message)
            self.seqs.shown(conversation_id, message["seq"])

    def schedule_refresh(self):
        """Read the lists again soon; a change during a read already under way gets a read of its own."""
        self.refresh_wanted = True
        if self.refresh_task is None or self.refresh_task.done():
            self.refresh_task = asyncio.get_running_loop().create_task(self._refresh_soon())

    async def _refresh_soon(self):
        while self.refresh_wanted:
            await asyncio.sleep(0.1)  # coalesce a burst of queue events into one read
            self.refresh_wanted = False
            try:
                await self.refresh()
            except Exception:
                log.exception("console refresh failed")

    async def refresh(self):
        """Send the lists if they changed, follow my conversations, and announce new assignments."""
        with translation.override(self.language):  # customer names are words too ("customer 12")
            lists = await db.read(console.snapshot, self.user)
        mine = {int(row["id"]): row for row in lists["mine"]}
        for conversation_id in set(mine) - self.mine:
            await self.follow(conversation_id, mine[conversation_id]["last_seq"])
            # New to this console: assigned or transferred since it last looked, or waiting for a first answer.
            if self.last_lists is not None or mine[conversation_id]["awaiting_answer"]:
                await self.send_json(assigned_frame(mine[conversation_id]))
        for conversation_id in self.mine - set(mine) - {self.viewing}:
            await self.unfollow(conversation_id)
        self.mine = set(mine)
        for conversation_id, row in mine.items():  # repair a wake-up the channel layer lost
            await self.fill(conversation_id, upto=row["last_seq"])
        if lists != self.last_lists:
            self.last_lists = lists
            await self.send_json(lists)

    # --- viewers -----------------------------------------------------------

    async def _announce(self, conversation_id, state, to_channel=None):
        message = events.viewer(
            conversation_id=conversation_id, state=state, channel=self.channel_name, name=self.profile.name
        )
        if to_channel:
            await realtime.send_to_channel(to_channel, message)
        else:
            await realtime.publish_many([(realtime.conversation_group(conversation_id), message)])

    async def still_viewing(self):
        """Announce again what this console views, so other consoles' viewer lists do not expire it."""
        if self.viewing is not None:
            await self._announce(self.viewing, "here")

    async def on_viewer(self, event):
        conversation_id, channel = event["conversation_id"], event["channel"]
        if channel == self.channel_name:
            return
        if event["state"] == "leave":
            self.viewers.gone(conversation_id, channel)
        else:
            self.viewers.seen(conversation_id, channel, event["name"])
            if event["state"] == "join" and self.viewing == conversation_id:
                await self._announce(conversation_id, "here", to_channel=channel)
        if self.viewing == conversation_id:
            await self.send_json(viewers_frame(conversation_id, self.viewers.names(conversation_id)))

    # --- channel-layer events ------------------------------------------------

    async def chat_event(self, event):
        """Turn a wake-up into console frames, filling any seq gap from the database first."""
        if getattr(self, "seqs", None) is not None:
            await RECEIVER.dispatch(self, event)

    async def show_queue(self, event):
        """Read the lists again soon: the queue or the agents changed."""
        self.schedule_refresh()

    async def show_message(self, event):
        """Send a new message of a followed conversation in seq order, filling any gap first."""
        conversation_id = event.get("conversation_id")
        if not self.seqs.following(conversation_id):
            return
        seq = event["frame"]["seq"]
        if self.seqs.gap(conversation_id, seq):
            await self.fill(conversation_id, upto=seq - 1)
        if self.seqs.is_new(conversation_id, seq):
            await self.send_json(event["frame"])
            metrics.observe_agent_delivery(event["frame"])
            self.seqs.shown(conversation_id, seq)

    async def show_status(self, event):
        """Send a conversation's new status, then read the lists again."""
        await self.send_json(event["frame"])
        self.schedule_refresh()

    async def show_rated(self, event):
        """Send the customer's rating with their comment."""
        await self.send_json(console_rated_frame(event["frame"], event.get("conversation_id"), event.get("comment", "")))

    async def show_note(self, event):
        """Send a private note, or a message the content check refused, as a `note`."""
        await self.send_json(note_frame(event["frame"]))

    async def show_relayed(self, event):
        """Send a `typing` or `stream` frame, naming its conversation."""
        await self.send_json(console_relayed_frame(event["frame"], event.get("conversation_id")))


RECEIVER = events.Receiver("agent console", {
    Kind.QUEUE: AgentConsumer.show_queue,
    Kind.VIEWER: AgentConsumer.on_viewer,
    Kind.MESSAGE: AgentConsumer.show_message,
    Kind.STATUS: AgentConsumer.show_status,
    Kind.RATED: AgentConsumer.show_rated,
    Kind.NOTE: AgentConsumer.show_note,
    Kind.TYPING: AgentConsumer.show_relayed,
    Kind.STREAM: AgentConsumer.show_relayed,
})
