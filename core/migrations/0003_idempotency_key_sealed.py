"""The idempotency table keeps no secret in clear (issue 13, item 5).

The key becomes its SHA-256 (``key_hash``), and the stored answer (headers and body, which for a
new booking hold its token) is sealed with a key derived from the Idempotency-Key and
SECRET_KEY. Rows already there are converted in place, so a retry across the upgrade is still
replayed rather than run twice. The row's context is spelled here as core/idempotency.py spells
it today; core/sealing.py versions its format, so what this seals stays readable.
"""

import hashlib
import json

from django.db import migrations, models


def seal_existing_answers(apps, schema_editor):
    from core.sealing import seal

    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for row in IdempotencyKey.objects.all().iterator():
        key_hash = hashlib.sha256(row.key.encode("ascii")).hexdigest()
        sealed = b""
        if row.response_status is not None:
            answer = {"headers": row.response_headers, "body": row.response_body}
            context = f"{row.scope}:{key_hash}:{row.fingerprint}:{row.response_status}"
            sealed = seal(
                client_secret=row.key.encode("ascii"),
                context=context.encode(),
                plaintext=json.dumps(answer).encode(),
            )
        IdempotencyKey.objects.filter(pk=row.pk).update(key_hash=key_hash, response_sealed=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_consequence_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="key_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="response_sealed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.RunPython(seal_existing_answers, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="idempotencykey",
            name="idempotency_key_unique_scope",
        ),
        migrations.RemoveField(model_name="idempotencykey", name="key"),
        migrations.RemoveField(model_name="idempotencykey", name="response_body"),
        migrations.RemoveField(model_name="idempotencykey", name="response_headers"),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(
                fields=("scope", "key_hash"), name="idempotency_key_unique_scope"
            ),
        ),
    ]
