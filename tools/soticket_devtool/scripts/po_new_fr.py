# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Start an addon's i18n/fr.po from its .pot. Run with the venv's Python. argv: the .pot, the fr.po."""
import sys

import polib


def main(argv):
    po = polib.pofile(argv[1])
    po.metadata["Language"] = "fr"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    po.save(argv[2])


if __name__ == "__main__":
    main(sys.argv)
