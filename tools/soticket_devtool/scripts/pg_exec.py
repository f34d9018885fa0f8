# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Run one SQL statement (autocommit) and print its rows as JSON. Run with the venv's Python.

argv: connection parameters (JSON), database, statement, values (JSON list), identifiers (JSON list).
Values are passed to psycopg2 as query parameters (%s); when identifiers are given, the statement's
`{}` placeholders are replaced by them, quoted with psycopg2.sql.Identifier.
"""
import json
import sys

import psycopg2
from psycopg2 import sql


def main(argv):
    params = {key: value for key, value in json.loads(argv[1]).items() if value}
    dbname, statement = argv[2], argv[3]
    values = json.loads(argv[4]) if len(argv) > 4 else []
    identifiers = json.loads(argv[5]) if len(argv) > 5 else []
    query = sql.SQL(statement).format(*map(sql.Identifier, identifiers)) if identifiers else statement
    connection = psycopg2.connect(dbname=dbname, **params)
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            cr.execute(query, values or None)
            print(json.dumps(cr.fetchall() if cr.description else [], default=str))
    finally:
        connection.close()


if __name__ == "__main__":
    main(sys.argv)
