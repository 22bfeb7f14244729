"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger rows (append-only ledger).

Row triggers fire only for UPDATE/DELETE, so the bulk INSERTs of the rollover pay nothing.
TRUNCATE (test flushes) is not a row operation and is unaffected. SQLite relies on the model
(`LedgerEntry.save`/`delete` refuse) and the read-only admin.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '账户明细只能新增，不能修改或删除（只追加账本）：id %', OLD.id;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_ledger_append_only ON accounts_ledgerentry;
CREATE TRIGGER accounts_ledger_append_only BEFORE UPDATE OR DELETE ON accounts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION accounts_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_ledger_append_only ON accounts_ledgerentry;
DROP FUNCTION IF EXISTS accounts_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_historical_opt_out")]
    operations = [migrations.RunPython(forwards, backwards)]
