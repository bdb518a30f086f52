"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the audit log."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION chiikidx_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '監査ログは追記のみです(%)。', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION chiikidx_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS chiikidx_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no %-formatting of the PL/pgSQL body


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
