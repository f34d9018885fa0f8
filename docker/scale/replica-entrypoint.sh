#!/bin/bash
# The streaming replica: cloned from the primary on first start (pg_basebackup -R writes
# standby.signal and primary_conninfo), then a hot standby that Odoo reads through db_replica_host.
set -euo pipefail
export PGPASSWORD="$(cat "$PGPASSWORD_FILE")"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h db -U odoo; do sleep 2; done
  pg_basebackup -h db -U odoo -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c max_connections=200
