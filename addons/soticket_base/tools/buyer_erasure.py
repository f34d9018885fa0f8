# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""What one GDPR erasure works on, handed to each addon's ``_soticket_forget_buyer_data``.

Every addon erases what it stores about the buyer and tells the erasure which of its records
talk about them (``add_records``) and under which other names (``add_names``): their chatter
and to-dos then have those names and addresses replaced by the anonymised name.
"""
import re

from markupsafe import Markup
from markupsafe import escape

# Shorter strings would match inside unrelated words or names.
MIN_NEEDLE_LEN = 3


class BuyerErasure:
    def __init__(self, env, scope, emails, registrations, orders, anonymised_name):
        self.env = env
        self.scope = scope  # the buyer and their child contacts (sudo, archived ones included)
        self.emails = set(emails)  # their normalized e-mail addresses
        self.registrations = registrations  # their tickets
        self.orders = orders  # their sale orders
        self.anonymised_name = anonymised_name
        self.names = set()
        self.records = []
        self.add_names(*scope.mapped("name"), *registrations.mapped("name"), *self.emails)

    def add_names(self, *names):
        """Names (or addresses) the buyer appears under, to replace wherever they are mentioned."""
        for raw in names:
            name = " ".join((raw or "").split())
            if len(name) >= MIN_NEEDLE_LEN:
                self.names.add(name)

    def add_records(self, records):
        """Records about the buyer: their chatter and to-dos are redacted by :meth:`scrub`."""
        if records:
            self.records.append(records)

    def _pattern(self, needles, html):
        variants = set()
        for needle in needles:
            variants.add(needle)
            if html:
                variants.add(str(escape(needle)))
        if not variants:
            return None
        alternatives = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def redact(self, text, extra=()):
        """``text`` with the buyer's names and addresses (and ``extra`` ones) replaced."""
        if not text:
            return text
        pattern = self._pattern(self.names | set(extra), html=False)
        return pattern.sub(self.anonymised_name, text) if pattern else text

    def redact_html(self, html, extra=()):
        if not html:
            return html
        pattern = self._pattern(self.names | set(extra), html=True)
        if not pattern:
            return html
        # Stored (already sanitized) HTML in which only escaped text is replaced by escaped text.
        return Markup(pattern.sub(str(escape(self.anonymised_name)), str(html)))  # noqa: S704

    def mentions(self, text, extra=()):
        pattern = self._pattern(self.names | set(extra), html=True)
        return bool(text and pattern and pattern.search(str(text)))

    def scrub(self):
        """Redact the chatter (body, subject) and the to-dos (summary, note) of the records
        registered with :meth:`add_records`: other people's words stay, the buyer's name goes."""
        by_model = {}
        for records in self.records:
            by_model.setdefault(records._name, set()).update(records.ids)
        for model, id_set in by_model.items():
            ids = sorted(id_set)
            for message in self.env["mail.message"].search([("model", "=", model), ("res_id", "in", ids)]):
                vals = {}
                if self.mentions(message.body):
                    vals["body"] = self.redact_html(message.body)
                for fname in ("subject", "record_name"):
                    if self.mentions(message[fname]):
                        vals[fname] = self.redact(message[fname])
                if vals:
                    message.write(vals)
            for activity in self.env["mail.activity"].search([("res_model", "=", model), ("res_id", "in", ids)]):
                vals = {}
                if self.mentions(activity.summary):
                    vals["summary"] = self.redact(activity.summary)
                if self.mentions(activity.note):
                    vals["note"] = self.redact_html(activity.note)
                if vals:
                    activity.write(vals)
