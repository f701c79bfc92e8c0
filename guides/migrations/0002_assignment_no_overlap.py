"""No double-booking on PostgreSQL: a guide's buffered assignment ranges never overlap.

SQLite has no exclusion constraints; there ``guides.services`` checks inside the IMMEDIATE
transaction. ``btree_gist`` lets the GiST index compare ``guide_id`` with ``=``.
"""

from typing import Any

from django.db import migrations

ADD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    "ALTER TABLE guides_assignment ADD CONSTRAINT assignment_no_overlap EXCLUDE USING gist "
    "(guide_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&);",
]
REMOVE = ["ALTER TABLE guides_assignment DROP CONSTRAINT IF EXISTS assignment_no_overlap;"]


def _run_on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("guides", "0001_initial")]

    operations = [
        migrations.RunPython(_run_on_postgresql(ADD), _run_on_postgresql(REMOVE)),
    ]
