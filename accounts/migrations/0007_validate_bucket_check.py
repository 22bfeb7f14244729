"""Validate the widened ledger bucket CHECK (added NOT VALID by 0006) outside 0006's transaction.

VALIDATE CONSTRAINT takes only a SHARE UPDATE EXCLUSIVE lock: settlements keep writing the
ledger while the existing rows are checked.
"""

from django.db import migrations


def validate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("accounts", "LedgerEntry")._meta.db_table
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT accounts_entry_bucket")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0006_batch_chunks_carry_row_agreement_retirement_refund")]
    operations = [migrations.RunPython(validate, migrations.RunPython.noop)]
