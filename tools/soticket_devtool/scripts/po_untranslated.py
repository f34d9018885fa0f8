# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Print how many terms of a .po file have no translation. Run with the venv's Python. argv: the .po."""
import sys

import polib


def main(argv):
    print(len(polib.pofile(argv[1]).untranslated_entries()))


if __name__ == "__main__":
    main(sys.argv)
