"""Channel layers that fail the way a Redis outage makes the real one fail."""

from channels.layers import InMemoryChannelLayer


class LayerDown(ConnectionError):
    pass


class NoNewChannels(InMemoryChannelLayer):
    """Redis down before a socket arrives: even its own channel cannot be subscribed."""

    async def new_channel(self, prefix="specific."):
        raise LayerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class NoSubscribes(InMemoryChannelLayer):
    """Redis gone between the socket's own channel and its groups."""

    async def group_add(self, group, channel):
        raise LayerDown("Connection closed by server.")


class NoPublishes(InMemoryChannelLayer):
    """Subscriptions held, but every publish and unsubscribe fails."""

    async def group_send(self, group, message):
        raise LayerDown("Connection closed by server.")

    async def send(self, channel, message):
        raise LayerDown("Connection closed by server.")

    async def group_discard(self, group, channel):
        raise LayerDown("Connection closed by server.")
