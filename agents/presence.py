"""Where agents are: the status they chose, made offline by a silent console."""

from datetime import timedelta

from django.utils import timezone

from . import conf
from .models import AgentProfile

Status = AgentProfile.Status


def profile_for(user):
    """Return the user's agent profile, creating it on first use."""
    profile, _ = AgentProfile.objects.select_related("user").get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.get_username()}
    )
    return profile


def touch(*, user, status=None):
    """Record that the agent's console is alive, and the status chosen in it if given."""
    profile = profile_for(user)
    fields = {"last_seen": timezone.now()}
    if status is not None:
        fields["status"] = status
    AgentProfile.objects.filter(pk=profile.pk).update(**fields)
    for name, value in fields.items():
        setattr(profile, name, value)
    return profile


def fresh_since(now=None):
    """Return the oldest last_seen that still counts as connected."""
    return (now or timezone.now()) - timedelta(seconds=conf.get("CSBOT_AGENT_PRESENCE_S"))


def effective_status(profile, now=None):
    """Return the profile's status, offline when its console has been gone too long."""
    if profile.last_seen is None or profile.last_seen < fresh_since(now):
        return Status.OFFLINE
    return profile.status


def online_profiles(now=None):
    """Return the profiles of agents online with a live console."""
    return AgentProfile.objects.filter(status=Status.ONLINE, last_seen__gte=fresh_since(now), user__is_active=True)


def connected_profiles(now=None):
    """Return the profiles of agents with a live console, whatever their status."""
    return AgentProfile.objects.filter(last_seen__gte=fresh_since(now), user__is_active=True).exclude(status=Status.OFFLINE)
