"""The agents app's settings, read lazily with their defaults."""

from django.conf import settings

DEFAULTS = {
    # An assigned chat the agent has not answered within this goes back to the queue.
    "CSBOT_ASSIGN_TIMEOUT_S": 120,
    # How often each process with agent consoles runs assignment anyway.
    "CSBOT_ASSIGN_INTERVAL_S": 5,
    # How often each process checks that the people at its open consoles may still work there.
    "CSBOT_AGENT_RECHECK_S": 3,
    # A console silent for this long makes its agent offline.
    "CSBOT_AGENT_PRESENCE_S": 60,
    # A customer with activity this recent counts as online on the dashboard.
    "CSBOT_CUSTOMER_ONLINE_S": 300,
    # When agents are at work, local time, "HH:MM-HH:MM"; empty means always.
    "CSBOT_BUSINESS_HOURS": "",
}


def get(name):
    """Return a setting, falling back to the app's default."""
    return getattr(settings, name, DEFAULTS[name])
