"""Indexes for the deal board's columns: open deals of a pipeline stage (optionally of one team) in
expected-close order, so a column's first page and each "show more" read a few index entries."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_settings_webform_pricelist")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["pipeline", "stage", "expected_close", "id"],
                name="deal_board_close_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["pipeline", "team", "stage", "expected_close", "id"],
                name="deal_board_team_close_idx",
            ),
        ),
    ]
