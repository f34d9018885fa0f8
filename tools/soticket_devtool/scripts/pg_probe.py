# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Exit 0 when PostgreSQL answers with these connection parameters. Run with the venv's Python.

argv[1]: connection parameters as JSON (host, port, user, password; empty ones left out).
"""
import json
import sys

import psycopg2


def main(argv):
    params = {key: value for key, value in json.loads(argv[1]).items() if value}
    psycopg2.connect(dbname="postgres", connect_timeout=3, **params).close()


if __name__ == "__main__":
    main(sys.argv)
