"""The background workers of a server process, started with the process rather than by a first request.

Each worker is one task on the server's event loop: the bot runner (claims
and answers bot turns), the notifier (sends due subscribe messages) and the
readiness warm-up (loads the bot's encoder and index; /readyz answers 503
until it is done, so a balancer holds traffic until then). Each worker's
`ensure_started` is idempotent and does nothing when its feature is off.
"""

import asyncio


def start():
    """Start every worker on the event loop the server is about to run (called once the reactor runs)."""
    asyncio.get_event_loop().call_soon(_start_on_loop)


def load():
    """Import the workers' modules (they need Django's apps ready): the entry point does so before it freezes the heap."""
    from chat import notifier
    from chat.bot import runner
    from chat.observability.readiness import readiness

    return notifier, runner, readiness


def _start_on_loop():
    notifier, runner, readiness = load()
    readiness.start_warm_up()
    runner.ensure_started()
    notifier.ensure_started()


class Lifespan:
    """The ASGI lifespan protocol for servers that speak it: start the workers at startup."""

    async def __call__(self, scope, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _start_on_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
