# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Developer tool behind `make run`, `make test`, `make lint`, `make i18n` and `make env`.

Standard library only: it runs before the virtualenv exists. What must run inside the venv (psycopg2,
Odoo, polib) lives in `scripts/`, run with the venv's Python.

- `odoo_src`: finding (or fetching) Odoo 18.0;
- `venv`: the repository's `.venv`;
- `pg`: PostgreSQL (which server, SQL through the venv);
- `system_packages`: the Debian packages listed in `tools/system-packages.txt`;
- `addons`: which SoTicket addons a command works on (manifests);
- `odoo_cmd`: Odoo command lines and config files;
- `demo`: `make run` (the resumable demo venue);
- `testrun`: `make test` (running the tests, parsing their results);
- `i18n`, `lint`: `make i18n`, `make lint`;
- `cli`: the command line.
"""
