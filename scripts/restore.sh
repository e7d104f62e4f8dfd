#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and media folder.
# Usage: DATABASE_URL=postgres://.../plan119_new MEDIA_ROOT=/srv/plan119/media scripts/restore.sh /backups/plan119-YYYY-MM-DD
set -euo pipefail
in="${1:?usage: restore.sh BACKUP_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL}"
media="${MEDIA_ROOT:-var/media}"
pg_restore --no-owner --exit-on-error --dbname="$DATABASE_URL" "$in/database.dump"
mkdir -p "$media"
tar -xzf "$in/media.tar.gz" -C "$media"
echo "restored $in"
