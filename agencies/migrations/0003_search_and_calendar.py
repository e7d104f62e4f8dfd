import secrets
import unicodedata

from django.db import migrations, models

import agencies.models


def fold(value):
    value = unicodedata.normalize("NFD", (value or "").replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in value if unicodedata.category(c) != "Mn").lower().split())


def fill(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    for agency in Agency.objects.all():
        agency.search_text = fold(f"{agency.code} {agency.name} {agency.name_en}")
        agency.save(update_fields=["search_text"])
    User = apps.get_model("agencies", "User")
    for user in User.objects.all():
        user.calendar_token = secrets.token_urlsafe(24)
        user.save(update_fields=["calendar_token"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_roles")]

    operations = [
        migrations.AddField(
            model_name="agency", name="search_text",
            field=models.CharField(db_index=True, default="", editable=False, max_length=600),
        ),
        migrations.AddField(model_name="user", name="calendar_token", field=models.CharField(max_length=64, null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user", name="calendar_token",
            field=models.CharField(default=agencies.models.new_calendar_token, editable=False, max_length=64, unique=True),
        ),
    ]
