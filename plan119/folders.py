"""The folders the settings name, created by an explicit step before anything starts, never on import."""
from pathlib import Path

from django.conf import settings

_SQLITE = "django.db.backends.sqlite3"
_FILE_MAIL = "django.core.mail.backends.filebased.EmailBackend"
_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def folders_needed() -> list[Path]:
    """Every folder the running app writes into, as the settings name them: the SQLite database's, the embedded
    broker's and its result store's (neither kombu nor Celery creates them), the e-mail files' and the uploads'."""
    folders = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] == _SQLITE and str(database["NAME"]) not in ("", ":memory:"):
        folders.append(Path(str(database["NAME"])).parent)
    if settings.CELERY_BROKER_URL == "filesystem://":
        folders += [Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key])) for key in _BROKER_FOLDERS]
    if settings.CELERY_RESULT_BACKEND.startswith("file://"):
        folders.append(Path(settings.CELERY_RESULT_BACKEND.removeprefix("file://")))
    if settings.EMAIL_BACKEND == _FILE_MAIL:
        folders.append(Path(settings.EMAIL_FILE_PATH))
    folders.append(Path(settings.MEDIA_ROOT))
    return list(dict.fromkeys(folders))


def folders_create() -> list[Path]:
    """Create the folders the app needs (`make run`, the production steps and the test session call this before
    starting anything). Returns those that were missing."""
    missing = [folder for folder in folders_needed() if not folder.is_dir()]
    for folder in missing:
        folder.mkdir(parents=True, exist_ok=True)
    return missing
