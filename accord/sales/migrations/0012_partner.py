import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_tag_links"),
        ("sales", "0011_lead_consent_ip"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="partner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="partner_deals",
                to="people.company",
                verbose_name="partner",
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="partner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="partner_leads",
                to="people.company",
                verbose_name="partner",
            ),
        ),
    ]
