"""What one console has been shown: per-conversation seq, and who else is viewing."""

import time

VIEWER_TTL_S = 90


class SeqTracker:
    """Keep the highest seq a console has per conversation, so each message reaches it once and in order."""

    def __init__(self):
        self.last = {}

    def follow(self, conversation_id, last_seq):
        self.last[conversation_id] = max(last_seq, self.last.get(conversation_id, 0))

    def forget(self, conversation_id):
        self.last.pop(conversation_id, None)

    def following(self, conversation_id):
        return conversation_id in self.last

    def gap(self, conversation_id, seq):
        """Return the seq range (after, upto) missing before `seq`, or None; None too for a seq already shown."""
        last = self.last.get(conversation_id, 0)
        return (last, seq - 1) if seq > last + 1 else None

    def is_new(self, conversation_id, seq):
        return seq > self.last.get(conversation_id, 0)

    def shown(self, conversation_id, seq):
        self.follow(conversation_id, seq)


class Viewers:
    """Other consoles viewing each conversation, as they announced themselves."""

    def __init__(self):
        self.by_conversation = {}

    def seen(self, conversation_id, channel, name):
        self.by_conversation.setdefault(conversation_id, {})[channel] = (name, time.monotonic())

    def gone(self, conversation_id, channel):
        self.by_conversation.get(conversation_id, {}).pop(channel, None)

    def names(self, conversation_id):
        now = time.monotonic()
        entries = self.by_conversation.get(conversation_id, {})
        return sorted({name for name, at in entries.values() if now - at < VIEWER_TTL_S})
