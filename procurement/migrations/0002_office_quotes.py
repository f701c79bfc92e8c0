"""The shipped Office group reads, revises, extends and declines quotes.

``invoicing.staff_groups`` names the permissions of the apps below invoicing; procurement sits
above it, so it gives its own permissions to the Office group here (created if missing).
"""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

OFFICE = "Office"
CODENAMES = ["view_quote", "change_quote", "view_quotesequence"]


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    create_permissions(global_apps.get_app_config("procurement"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=OFFICE)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="procurement", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0001_quotes"),
        ("invoicing", "0003_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
