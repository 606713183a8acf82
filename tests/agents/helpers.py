"""Helpers for agents tests: people with roles, and conversations set up through the real actions."""

import importlib
import itertools

from django.apps import apps
from django.contrib.auth.models import Group, User

from agents import presence
from chat import actions
from chat.accounts import sign_in
from chat.models import SenderKind

_counter = itertools.count(1)


def ensure_roles():
    """Create the role groups again: transactional tests flush what migrations made."""
    importlib.import_module("agents.migrations.0002_roles").create_roles(apps, None)


def make_user(username, *, role=None, staff=True, superuser=False, capacity=5, online=False):
    """Create a user in the Agents or Managers group, optionally online with a capacity."""
    user = User.objects.create_user(username, password="pw-" + username, is_staff=staff, is_superuser=superuser)
    if role:
        ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    if role or superuser:
        profile = presence.profile_for(user)
        profile.max_concurrent_chats = capacity
        profile.save(update_fields=["max_concurrent_chats"])
        if online:
            presence.touch(user=user, status="online")
    return user


def customer_conversation(text="hello", openid=None):
    """Return an open bot conversation with one customer message."""
    customer, _ = sign_in(openid=openid or f"o-{next(_counter)}", device_id="dev-1", platform="web")
    recorded = actions.record_customer_message(customer=customer, client_msg_id=f"m-{next(_counter)}", text=text)
    return recorded.message.conversation


def queued_conversation(text="I need a human", openid=None):
    """Return a conversation waiting in the queue."""
    conversation = customer_conversation(text, openid)
    return actions.request_handoff(conversation=conversation, actor=SenderKind.CUSTOMER, reason="customer_request")
