"""Managers may block customers from the admin (and so revoke their tokens)."""

import importlib

from django.db import migrations

PERMISSION = ("chat", "block_customer")


def grant(apps, schema_editor):
    importlib.import_module("agents.migrations.0002_roles")._ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label=PERMISSION[0], codename=PERMISSION[1])
    for group in Group.objects.filter(name="Managers"):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label=PERMISSION[0], codename=PERMISSION[1]):
        for group in Group.objects.filter(name="Managers"):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_roles"),
        ("chat", "0005_customer_token_generation"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
