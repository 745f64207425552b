from django.db import migrations

SERIES = [
    ("FV", "Faktury VAT", "invoice"),
    ("PF", "Pro forma", "proforma"),
    ("KOR", "Korekty", "correction"),
]


def create(apps, schema_editor):
    InvoiceSeries = apps.get_model("billing", "InvoiceSeries")
    for code, name, kind in SERIES:
        InvoiceSeries.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "pattern": "{code}/{year}/{number:04d}", "is_default": True}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_orders_invoices_payments")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
