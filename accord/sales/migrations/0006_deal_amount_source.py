from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def follow_lines_where_they_did(apps, schema_editor):
    """Deals with product lines kept following them (every change of a line recomputed the
    amount); so do deals without an amount. A typed amount on a deal without lines stays typed."""
    Deal = apps.get_model("sales", "Deal")
    DealLine = apps.get_model("sales", "DealLine")
    has_lines = Exists(DealLine.objects.filter(deal=OuterRef("pk")))
    Deal.objects.filter(Q(amount=0) | Q(has_lines)).update(amount_source="lines")


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_board_totals"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="amount_source",
            field=models.CharField(
                choices=[("manual", "As typed"), ("lines", "The lines' total")],
                default="manual",
                max_length=6,
                verbose_name="amount from",
            ),
        ),
        migrations.RunPython(follow_lines_where_they_did, migrations.RunPython.noop, elidable=True),
    ]
