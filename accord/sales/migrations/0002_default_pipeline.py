from django.db import migrations

from accord.sales.defaults import ensure_defaults


def create(apps, schema_editor):
    ensure_defaults(apps.get_model("sales", "Pipeline"), apps.get_model("sales", "Stage"), apps.get_model("sales", "LostReason"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
