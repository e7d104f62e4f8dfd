"""Issue 11: clean the text stored before the one sanitiser existed (agencies/text.py).

Every text field of agencies, tasks and reporting, the users' names, and the text inside the JSON snapshots (report
versions, the synthesis content) lose the control characters that made documents fail; line ends, non-breaking
spaces and the Unicode form are normalised as on input. Rows are read and written in batches, and only the rows that
change are written. The exports clean on the way out anyway, so going back needs nothing undone (a no-op).

History tables (django-simple-history) are left as they were: they record what was stored at the time.
"""
from django.db import migrations

from agencies.fields import NFCMixin, fold, vi_sort_key
from agencies.text import clean_text

BATCH = 500
APPS = ("agencies", "tasks", "reporting")
EXTRA_TEXT = {("agencies", "User"): ["first_name", "last_name"], ("reporting", "Synthesis"): ["doc_number"]}
JSON = {("reporting", "ReportVersion"): ["content"], ("reporting", "Synthesis"): ["content"]}


def _clean(value):
    """A stored value, text or JSON data, with every string in it cleaned."""
    if isinstance(value, str):
        return clean_text(value)[0]
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


def _fields_to_clean(model) -> list[str]:
    key = (model._meta.app_label, model.__name__)
    names = [f.name for f in model._meta.concrete_fields if isinstance(f, NFCMixin)]
    return names + EXTRA_TEXT.get(key, []) + JSON.get(key, [])


def clean_stored_text(apps, schema_editor):
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            names = _fields_to_clean(model)
            if names:
                _clean_model(model, names)


def _clean_model(model, names: list[str]) -> None:
    last = None
    while True:
        rows = model._base_manager.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.values("pk", *names)[:BATCH])
        if not batch:
            return
        for row in batch:
            changes = {name: cleaned for name in names if (cleaned := _clean(row[name])) != row[name]}
            if changes:
                if model.__name__ == "Agency" and ("name" in changes or "name_en" in changes):
                    agency = model._base_manager.get(pk=row["pk"])
                    name, name_en = changes.get("name", agency.name), changes.get("name_en", agency.name_en)
                    changes.update(search_text=fold(f"{agency.code} {name} {name_en}"), sort_key=vi_sort_key(name))
                model._base_manager.filter(pk=row["pk"]).update(**changes)
        last = batch[-1]["pk"]


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0004_agency_sort_key"),
        ("tasks", "0002_sort_agencies_in_vietnamese_order"),
        ("reporting", "0010_lateness_from_the_first_submission"),
    ]

    operations = [
        migrations.RunPython(clean_stored_text, migrations.RunPython.noop),
    ]
