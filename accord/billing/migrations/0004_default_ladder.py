from django.db import migrations

from accord.billing.collection_defaults import ensure_collection_defaults


def create(apps, schema_editor):
    ensure_collection_defaults(
        apps.get_model("billing", "CollectionLadder"),
        apps.get_model("billing", "CollectionLevel"),
        apps.get_model("billing", "LatePaymentRate"),
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_collections")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
