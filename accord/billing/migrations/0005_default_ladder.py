from django.db import migrations

from accord.billing.collection_defaults import ensure_collection_defaults, ensure_collection_templates


def create(apps, schema_editor):
    ensure_collection_defaults(
        apps.get_model("billing", "CollectionLadder"),
        apps.get_model("billing", "CollectionLevel"),
        apps.get_model("billing", "LatePaymentRate"),
    )
    ensure_collection_templates(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_collections"), ("messaging", "0003_default_quote_templates")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
