#!/usr/bin/env bash
# Back up plan119: the PostgreSQL database (pg_dump, custom format) and the uploaded attachments (MEDIA_ROOT).
# Usage: DATABASE_URL=postgres://... MEDIA_ROOT=/srv/plan119/media scripts/backup.sh /backups/plan119-$(date +%F)
set -euo pipefail
out="${1:?usage: backup.sh OUTPUT_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL}"
media="${MEDIA_ROOT:-var/media}"
mkdir -p "$out"
pg_dump --format=custom --no-owner --file="$out/database.dump" "$DATABASE_URL"
if [ -d "$media" ]; then tar -czf "$out/media.tar.gz" -C "$media" .; else tar -czf "$out/media.tar.gz" -T /dev/null; fi
echo "backup written to $out: $(du -sh "$out" | cut -f1)"
