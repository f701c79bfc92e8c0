"""DRF's API tokens are gone (issue 13, item 17): drop the table that kept them in clear.

``rest_framework.authtoken`` left INSTALLED_APPS, so its own migrations can no longer run, and
this one removes what they made: the ``authtoken_token`` table, its content types and their
permissions (the admin's history keeps its entries, with their content type set to null), and
the app's rows in ``django_migrations``, so that installing it again would create the table
anew. The keys it held authenticate nothing any more, but they were live credentials in every
dump until now. Not reversible: the tokens are not to come back.
"""

from django.db import migrations


def forget_authtoken(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="authtoken").delete()
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_idempotency_key_sealed"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.RunPython(forget_authtoken, migrations.RunPython.noop),
    ]
