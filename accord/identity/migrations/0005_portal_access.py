import accord.core.ids
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from accord.identity.roles import ensure_default_roles


def create_portal_roles(apps, schema_editor):
    # The portal customer and partner roles; the other default roles exist already and are left as they are.
    ensure_default_roles(apps.get_model("identity", "Role"))


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0004_sees_amounts"),
        ("people", "0005_tag_links"),
    ]

    operations = [
        migrations.CreateModel(
            name="PortalAccess",
            fields=[
                (
                    "id",
                    models.UUIDField(default=accord.core.ids.uuid7, editable=False, primary_key=True, serialize=False),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("version", models.PositiveIntegerField(default=1, editable=False, verbose_name="version")),
                (
                    "kind",
                    models.CharField(
                        choices=[("customer", "Customer"), ("partner", "Partner")],
                        default="customer",
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "company",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="invited by",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_access",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "portal access",
                "verbose_name_plural": "portal accesses",
            },
        ),
        migrations.CreateModel(
            name="PortalSignInLink",
            fields=[
                (
                    "id",
                    models.UUIDField(default=accord.core.ids.uuid7, editable=False, primary_key=True, serialize=False),
                ),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_sign_in_links",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(create_portal_roles, migrations.RunPython.noop),
    ]
