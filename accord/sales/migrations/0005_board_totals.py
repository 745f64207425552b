"""A covering index for the board's column totals filtered to a team: count, sum and weighted sum
per stage and currency come from the index entries alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_board_close_order")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["pipeline", "team", "stage", "currency", "amount", "probability", "status"],
                name="deal_board_team_totals_idx",
            ),
        ),
    ]
