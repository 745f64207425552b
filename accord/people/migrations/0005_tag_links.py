"""Tags through their own link models, which carry the tagged record's owner, team and territory.

The link tables stay as they were (``people_company_tags``, ``people_contact_tags``); the state
learns that they are ``CompanyTag`` and ``ContactTag``, the tables gain the three columns and an
index, and triggers keep the columns equal to the record's (see ``TagLink``).

On SQLite, a later migration that rebuilds one of these tables (Django copies the table to alter
it there) drops its triggers: such a migration must run ``install`` again
(``tests/test_tag_links.py`` fails until it does).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (link table, its record column, the record's table)
LINKS = (("people_company_tags", "company_id", "people_company"), ("people_contact_tags", "contact_id", "people_contact"))

POSTGRESQL = """
CREATE FUNCTION {link}_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT owner_id, team_id, territory_id INTO NEW.owner_id, NEW.team_id, NEW.territory_id
    FROM {record} WHERE id = NEW.{fk};
    RETURN NEW;
END $$;
CREATE TRIGGER {link}_fill BEFORE INSERT OR UPDATE OF {fk} ON {link}
    FOR EACH ROW EXECUTE FUNCTION {link}_fill();
CREATE FUNCTION {link}_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {link} AS l SET owner_id = n.owner_id, team_id = n.team_id, territory_id = n.territory_id
    FROM changed AS n
    WHERE l.{fk} = n.id AND (l.owner_id IS DISTINCT FROM n.owner_id OR l.team_id IS DISTINCT FROM n.team_id
        OR l.territory_id IS DISTINCT FROM n.territory_id);
    RETURN NULL;
END $$;
CREATE TRIGGER {link}_follow AFTER UPDATE ON {record} REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {link}_follow();
UPDATE {link} AS l SET owner_id = r.owner_id, team_id = r.team_id, territory_id = r.territory_id
    FROM {record} AS r WHERE r.id = l.{fk};
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS {link}_follow ON {record};
DROP FUNCTION IF EXISTS {link}_follow();
DROP TRIGGER IF EXISTS {link}_fill ON {link};
DROP FUNCTION IF EXISTS {link}_fill();
"""

# SQLite's triggers are per row (a mass change of owners runs one small indexed UPDATE per record;
# they are compiled into the statement, so that stays cheap).
SQLITE = [
    """CREATE TRIGGER {link}_fill AFTER INSERT ON {link} FOR EACH ROW BEGIN
        UPDATE {link} SET (owner_id, team_id, territory_id) =
            (SELECT owner_id, team_id, territory_id FROM {record} WHERE id = NEW.{fk}) WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER {link}_refill AFTER UPDATE OF {fk} ON {link} FOR EACH ROW BEGIN
        UPDATE {link} SET (owner_id, team_id, territory_id) =
            (SELECT owner_id, team_id, territory_id FROM {record} WHERE id = NEW.{fk}) WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER {link}_follow AFTER UPDATE OF owner_id, team_id, territory_id ON {record} FOR EACH ROW
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.team_id IS NOT NEW.team_id OR OLD.territory_id IS NOT NEW.territory_id
    BEGIN
        UPDATE {link} SET owner_id = NEW.owner_id, team_id = NEW.team_id, territory_id = NEW.territory_id
        WHERE {fk} = NEW.id;
    END""",
    """UPDATE {link} SET (owner_id, team_id, territory_id) =
        (SELECT owner_id, team_id, territory_id FROM {record} WHERE id = {link}.{fk})""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS {link}_fill",
    "DROP TRIGGER IF EXISTS {link}_refill",
    "DROP TRIGGER IF EXISTS {link}_follow",
]


def _run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    for link, fk, record in LINKS:
        names = {"link": link, "fk": fk, "record": record}
        if vendor == "postgresql":
            schema_editor.execute(postgresql.format(**names))
        elif vendor == "sqlite":
            for statement in sqlite:
                schema_editor.execute(statement.format(**names))
        else:
            raise NotImplementedError(f"tag link triggers for {vendor}")


def install(apps, schema_editor):
    _run(schema_editor, POSTGRESQL, SQLITE)


def remove(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DROP, SQLITE_DROP)


def _access_columns():
    def column(to):
        return models.ForeignKey(
            db_constraint=False,
            db_index=False,
            editable=False,
            null=True,
            on_delete=django.db.models.deletion.DO_NOTHING,
            related_name="+",
            to=to,
        )

    return [("owner", column(settings.AUTH_USER_MODEL)), ("team", column("identity.team")), ("territory", column("identity.territory"))]


def _link(name, record, table):
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            (record, models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=f"people.{record}")),
            ("tag", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tag")),
        ],
        options={"db_table": table, "unique_together": {(record, "tag")}},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_bulk_jobs"),
        ("identity", "0003_two_factor_and_password_changed"),
        ("people", "0004_company_preferred_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist (Django made them for the plain many-to-many fields): state only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _link("CompanyTag", "company", "people_company_tags"),
                migrations.AlterField(
                    model_name="company",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="+", through="people.CompanyTag", to="core.tag", verbose_name="tags"
                    ),
                ),
                _link("ContactTag", "contact", "people_contact_tags"),
                migrations.AlterField(
                    model_name="contact",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="+", through="people.ContactTag", to="core.tag", verbose_name="tags"
                    ),
                ),
            ]
        ),
        *[migrations.AddField(model_name="companytag", name=name, field=field) for name, field in _access_columns()],
        *[migrations.AddField(model_name="contacttag", name=name, field=field) for name, field in _access_columns()],
        migrations.AddIndex(
            model_name="companytag",
            index=models.Index(fields=["tag", "team", "owner", "territory", "company"], name="company_tag_access_idx"),
        ),
        migrations.AddIndex(
            model_name="contacttag",
            index=models.Index(fields=["tag", "team", "owner", "territory", "contact"], name="contact_tag_access_idx"),
        ),
        migrations.RunPython(install, remove),
    ]
