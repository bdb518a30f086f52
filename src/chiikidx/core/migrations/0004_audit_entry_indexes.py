"""The audit log keeps only the indexes its lookups use: every index costs every write, and an
import writes one entry per row (100,000 rows: 110,000 entries).

Dropped:
- the unique index on the hash. Nothing looks an entry up by its hash, and uniqueness is not
  what protects the chain: `audit.verify_chain` recomputes every entry's HMAC and its link to
  the previous one. Being random, the hash was the costliest index to write, more so as the
  log grows (about 1 s of a 100,000-row import with 1.2 million entries on PostgreSQL).
- the single-column indexes on created_at, actor, organization (audit_org_seq starts with it),
  model_label and object_id (replaced by audit_object: model_label, object_id, -seq, which
  serves one object's history in order), and on PostgreSQL their LIKE (varchar_pattern_ops)
  twins, which no query uses.

The single-column indexes are dropped by name, read from the database, instead of through
AlterField, with which SQLite would copy the whole audit table once per field; the hash's
change copies it once on SQLite (an inline UNIQUE cannot be dropped there).
"""

from django.conf import settings
from django.db import migrations, models

DROPPED = ("created_at", "actor_id", "organization_id", "model_label", "object_id")
LIKE = ("model_label", "object_id")  # PostgreSQL only
TABLE = "core_auditentry"


def _hash_fields():
    unique = models.CharField(max_length=64, unique=True, verbose_name="ハッシュ")
    plain = models.CharField(max_length=64, verbose_name="ハッシュ")
    for field in (unique, plain):
        field.set_attributes_from_name("hash")
    return unique, plain


def forwards(apps, schema_editor):
    model = apps.get_model("core", "AuditEntry")
    unique, plain = _hash_fields()
    unique.model = plain.model = model
    schema_editor.alter_field(model, unique, plain)
    connection, quote = schema_editor.connection, schema_editor.quote_name
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in found.items():
        columns = info["columns"]
        if not info["index"] or info["unique"] or info["primary_key"] or len(columns) != 1:
            continue
        like = name.endswith("_like")
        if (like and columns[0] in LIKE) or (not like and columns[0] in DROPPED):
            schema_editor.execute(f"DROP INDEX {quote(name)}")


def backwards(apps, schema_editor):
    model = apps.get_model("core", "AuditEntry")
    for column in DROPPED:
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    if schema_editor.connection.vendor == "postgresql":
        for column in LIKE:
            field = model._meta.get_field(column)
            schema_editor.execute(schema_editor._create_like_index_sql(model, field))
    unique, plain = _hash_fields()
    unique.model = plain.model = model
    schema_editor.alter_field(model, plain, unique)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_organization_region"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="hash",
                    field=models.CharField(max_length=64, verbose_name="ハッシュ"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作者",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="created_at",
                    field=models.DateTimeField(verbose_name="日時"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="model_label",
                    field=models.CharField(max_length=100, verbose_name="対象の種類"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_id",
                    field=models.CharField(max_length=64, verbose_name="対象ID"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="core.organization",
                        verbose_name="団体",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["model_label", "object_id", "-seq"], name="audit_object"),
        ),
    ]
