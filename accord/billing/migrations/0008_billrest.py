import re

from django.db import migrations, models

from accord.core.search import CreateSearchIndex, document


def _spaced(number):
    return " ".join(part for part in re.split(r"[/\-_.]+", number or "") if part)


def _fill(model, party):
    batch = []
    rows = model.objects.order_by("pk").values_list("pk", "number", f"{party}_name", f"{party}_tax_id")
    for pk, number, name, tax_id in rows.iterator(chunk_size=2000):
        batch.append(model(pk=pk, search_text=document(number, _spaced(number), name, tax_id)))
        if len(batch) == 2000:
            model.objects.bulk_update(batch, ["search_text"])
            batch = []
    model.objects.bulk_update(batch, ["search_text"])


def fill_search_text(apps, schema_editor):
    """Invoices and orders are found by number, customer and tax id, as the services now write it."""
    _fill(apps.get_model("billing", "Invoice"), "buyer")
    _fill(apps.get_model("billing", "Order"), "customer")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_bank_statements"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="order",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        CreateSearchIndex("invoice"),
        CreateSearchIndex("order"),
    ]
