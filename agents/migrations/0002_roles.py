"""Create the Agents and Managers groups with their permissions."""

from django.db import migrations

AGENT_PERMISSIONS = [
    "agents.handle_conversations",
    "agents.view_transcript",
    "agents.change_transcript",  # tags only: every other field is read-only
    "agents.view_cannedresponse",
    "agents.view_tag",
    "chat.view_customer",
]
MANAGER_PERMISSIONS = AGENT_PERMISSIONS + [
    "agents.view_all_transcripts",
    "agents.view_reports",
    "agents.export_conversations",
    "agents.view_agentprofile",
    "agents.add_agentprofile",
    "agents.change_agentprofile",
    "agents.add_cannedresponse",
    "agents.change_cannedresponse",
    "agents.delete_cannedresponse",
    "agents.add_tag",
    "agents.change_tag",
    "agents.delete_tag",
    "chat.view_conversation",
    "chat.view_message",
    "chat.view_conversationevent",
    "chat.view_device",
]
ROLES = {"Agents": AGENT_PERMISSIONS, "Managers": MANAGER_PERMISSIONS}


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations; the groups need them now.
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for label in ("agents", "chat"):
        config = apps.get_app_config(label)
        # A migration's app configs carry no models module; permissions are skipped without one.
        config.models_module = getattr(config, "models_module", None) or True
        create_contenttypes(config, verbosity=0, apps=apps)
        create_permissions(config, verbosity=0, apps=apps)


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("chat", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
