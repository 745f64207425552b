from django.db import migrations, models

from accord.core.search import CreateSearchIndex, document


def fill_quote_search_text(apps, schema_editor):
    """Quotes are found by number (with the revision), customer and tax id, as the service now
    writes it. Leads and deals kept their search text all along; they only gain an index."""
    Quote = apps.get_model("sales", "Quote")
    batch = []
    rows = Quote.objects.order_by("pk").values_list("pk", "number", "revision", "customer_name", "customer_tax_id")
    for pk, number, revision, customer, tax_id in rows.iterator(chunk_size=2000):
        label = f"{number}/{revision}" if revision > 1 else number
        batch.append(Quote(pk=pk, search_text=document(label, number, customer, tax_id)))
        if len(batch) == 2000:
            Quote.objects.bulk_update(batch, ["search_text"])
            batch = []
    Quote.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0007_quote_seller"),
    ]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_quote_search_text, migrations.RunPython.noop, elidable=True),
        CreateSearchIndex("lead"),
        CreateSearchIndex("deal"),
        CreateSearchIndex("quote"),
    ]
