#!/bin/bash
# Run once by the postgres image when the primary's data directory is created: the replica may
# connect for streaming replication (password authentication, the same secret as Odoo's user).
set -euo pipefail
echo "host replication odoo all scram-sha-256" >> "$PGDATA/pg_hba.conf"
