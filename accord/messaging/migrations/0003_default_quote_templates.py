from django.db import migrations

from accord.messaging.defaults import ensure_defaults


def create(apps, schema_editor):
    ensure_defaults(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_outbox_delivery_and_templates")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
