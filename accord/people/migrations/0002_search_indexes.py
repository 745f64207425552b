from django.db import migrations

from accord.core.search import CreateSearchIndex


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [CreateSearchIndex("contact"), CreateSearchIndex("company")]
