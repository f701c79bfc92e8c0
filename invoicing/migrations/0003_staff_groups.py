"""The staff groups (office, accounting, guide coordination) with their permissions."""

from typing import Any

from django.db import migrations


def create_groups(apps: Any, schema_editor: Any) -> None:
    from invoicing.staff_groups import staff_groups_create

    staff_groups_create(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("itineraries", "0003_staff_permissions"),
        ("bookings", "0003_staff_permissions"),
        ("guides", "0002_assignment_no_overlap"),
        ("payments", "0003_staff_permissions"),
        ("invoicing", "0002_staff_permissions"),
    ]

    # Reversing leaves the groups: the office may have put people in them.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
