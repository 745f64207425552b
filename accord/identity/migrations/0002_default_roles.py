from django.db import migrations

from accord.identity.roles import ensure_default_roles


def create_roles(apps, schema_editor):
    ensure_default_roles(apps.get_model("identity", "Role"))


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
