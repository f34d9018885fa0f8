# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import csv
import io
import logging
from datetime import date
from datetime import datetime
from datetime import time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError

from ..tools.sibil_client import SibilClient
from ..tools.sibil_client import SibilError

_logger = logging.getLogger(__name__)

SIBIL_STATES = [
    ("draft", "Draft"), ("recorded", "Recorded"), ("closed", "Closed"), ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
FROM_SIBIL = {"BROUILLON": "draft", "ENREGISTRE": "recorded", "CLOTURE": "closed", "REJETE": "rejected",
              "ANNULE": "cancelled"}
MAX_ATTEMPTS = 3
CSV_COLUMNS = [
    "idExtBilletterie", "dateHeureRepresentationUnique", "jauge", "jeunePublic", "nbBilletsTotalBilletterie",
    "recetteTotalBilletterie", "prixMoyenTotalBilletterie", "nbBilletsTarifPlein", "recetteTarifPlein",
    "prixMoyenTarifPlein", "nbBilletsTarifAbonnementForfait", "nbBilletsExoneres", "lieuNom", "lieuAdresse",
    "lieuCodePostal", "lieuVille", "lieuSiret", "lieuTypeLieu", "festival", "spectacle", "spectacleDomaine",
]


def _average(amount, count):
    return round(amount / count, 2) if count else 0.0


class SoticketFrSibilDeclaration(models.Model):
    """The SIBIL declaration of one performance (LCAP law art. 48, décret 2017-926), sent to the
    Ministry of Culture's API every quarter before the 10th of its first month, or on demand."""

    _name = "soticket.fr.sibil.declaration"
    _description = "SIBIL declaration"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "performance_date desc, id desc"

    name = fields.Char("Declaration", compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    event_id = fields.Many2one("event.event", "Performance", required=True, readonly=True, ondelete="restrict")
    id_ext = fields.Char("idExtBilletterie", required=True, readonly=True, copy=False,
                         help="Short and stable: the key SIBIL updates the declaration by.")
    performance_date = fields.Datetime("Performance date", readonly=True)
    capacity = fields.Integer("Capacity (jauge)", readonly=True)
    young_audience = fields.Boolean("Young audience", readonly=True)
    tickets_total = fields.Integer("Tickets", readonly=True)
    revenue_total = fields.Monetary("Takings (incl. VAT)", readonly=True)
    average_price_total = fields.Monetary("Average price", readonly=True)
    tickets_full = fields.Integer("Full-price tickets", readonly=True)
    revenue_full = fields.Monetary("Full-price takings", readonly=True)
    average_price_full = fields.Monetary("Full-price average", readonly=True)
    tickets_subscription = fields.Integer("Subscription/package tickets", readonly=True)
    tickets_exempt = fields.Integer("Exempt tickets", readonly=True)
    state = fields.Selection(SIBIL_STATES, "SIBIL status", default="draft", required=True, readonly=True,
                             tracking=True)
    sync_state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("failed", "Failed")], "Sending", default="to_send",
        required=True, readonly=True, tracking=True)
    known_to_sibil = fields.Boolean("Known to SIBIL", readonly=True, copy=False,
                                    help="SIBIL has this declaration: later sends update it.")
    attempts = fields.Integer("Failed attempts", readonly=True)
    last_attempt_at = fields.Datetime("Last attempt", readonly=True)
    sent_at = fields.Datetime("Last sent", readonly=True)
    sibil_message = fields.Text("SIBIL message", readonly=True)

    _sql_constraints = [
        ("event_uniq", "unique(event_id)", "A performance has one SIBIL declaration."),
        ("id_ext_uniq", "unique(id_ext)", "idExtBilletterie is unique."),
    ]

    @api.depends("event_id.name", "performance_date")
    def _compute_name(self):
        for declaration in self:
            day = declaration.performance_date.date().isoformat() if declaration.performance_date else ""
            declaration.name = f"{declaration.event_id.name or ''} {day}".strip()

    def write(self, vals):
        # Figures and statuses come from the tickets and from SIBIL, never from a user's input.
        if not self.env.su:
            raise AccessError(self.env._(
                "A SIBIL declaration is computed from the tickets and updated by SIBIL's answers: it cannot be "
                "edited. Fix the event or its tickets, then send it again."))
        return super().write(vals)

    # ------------------------------------------------------------------ figures
    @api.model
    def _id_ext(self, event):
        """Short and stable: the database's first 8 characters and the event's id (a full UUID is too long)."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"ST{uuid.replace('-', '')[:8]}-{event.id}"

    @api.model
    def _for_events(self, events):
        self = self.sudo()  # noqa: PLW0642 (internal: callers checked access)
        existing = self.search([("event_id", "in", events.ids)])
        missing = events - existing.event_id
        created = self.create([{
            "event_id": event.id, "company_id": (event.company_id or self.env.company).id,
            "id_ext": self._id_ext(event),
        } for event in missing])
        (existing | created)._refresh_figures()
        return existing | created

    def _refresh_figures(self):
        Receipt = self.env["soticket.fr.receipt"]
        for declaration in self.sudo().filtered(lambda d: d.state not in ("closed", "cancelled")):
            event = declaration.event_id
            figures = Receipt._performance_figures(event)
            by_kind = figures["by_kind"]
            live = figures["tickets_issued"] - figures["tickets_refunded"]
            exempt = sum(kind["free"] for kind in by_kind.values())
            full = by_kind.get("full", {"count": 0, "free": 0, "net_taxed": 0.0})
            vals = {
                "performance_date": event.date_begin,
                "capacity": event.seats_max if event.seats_limited else live,
                "young_audience": event.soticket_fr_young_audience,
                "tickets_total": live,
                "revenue_total": figures["net_taxed"],
                "average_price_total": _average(figures["net_taxed"], live - exempt),
                "tickets_full": full["count"],
                "revenue_full": round(full["net_taxed"], 2),
                "average_price_full": _average(full["net_taxed"], full["count"] - full["free"]),
                "tickets_subscription": by_kind.get("subscriber", {}).get("count", 0),
                "tickets_exempt": exempt,
            }
            changed = {key: value for key, value in vals.items() if declaration[key] != value}
            if changed:
                if declaration.sync_state == "sent":
                    changed["sync_state"] = "to_send"
                declaration.write(changed)

    def _local_iso(self, value):
        tz = pytz.timezone(self.event_id.date_tz or "Europe/Paris")
        return pytz.utc.localize(value).astimezone(tz).isoformat(timespec="seconds") if value else None

    def _payload(self):
        """The declaration as SIBIL's API takes it (fields of its v2 schema)."""
        self.ensure_one()
        event = self.event_id
        company = self.company_id.sudo()
        place = event.address_id or company.partner_id
        return {
            "idExtBilletterie": self.id_ext,
            "dateHeureRepresentationUnique": self._local_iso(self.performance_date),
            "jauge": self.capacity,
            "jeunePublic": self.young_audience,
            "nbBilletsTotalBilletterie": self.tickets_total,
            "recetteTotalBilletterie": self.revenue_total,
            "prixMoyenTotalBilletterie": self.average_price_total,
            "nbBilletsTarifPlein": self.tickets_full,
            "recetteTarifPlein": self.revenue_full,
            "prixMoyenTarifPlein": self.average_price_full,
            "nbBilletsTarifAbonnementForfait": self.tickets_subscription,
            "nbBilletsExoneres": self.tickets_exempt,
            "lieu": {
                "nom": place.name or company.name,
                "adresse": " ".join(filter(None, [place.street, place.street2])),
                "codePostal": place.zip or "",
                "ville": place.city or "",
                "siret": company.soticket_fr_siret or "",
                "typeLieu": company.soticket_fr_venue_type or "",
            },
            "festival": {"nom": event.soticket_fr_festival} if event.soticket_fr_festival else None,
            "spectacle": {"intitule": event.name, "domaine": event.soticket_fr_sibil_domain or ""},
            "statutDeclaration": "ENREGISTRE",
        }

    # ------------------------------------------------------------------ sending
    def action_send(self):
        """On demand: send (or resend) these declarations now."""
        self.check_access("write")
        self.sudo()._send()
        return True

    def _send(self):
        for venue, declarations in self.sudo().grouped("company_id").items():
            company = venue.sudo()
            timeout = int(self.env["ir.config_parameter"].sudo().get_param("soticket_l10n_fr.sibil_timeout", 20))
            client = SibilClient(company.soticket_fr_sibil_url, company.soticket_fr_sibil_login,
                                 company.soticket_fr_sibil_password, timeout=timeout)
            for declaration in declarations:
                declaration._refresh_figures()
                declaration._send_one(client)

    def _send_one(self, client):
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            answer = client.upsert(self._payload(), known=self.known_to_sibil)
        except SibilError as exc:
            _logger.warning("SIBIL declaration %s: %s", self.id_ext, exc.message)
            vals = {"attempts": self.attempts + 1, "last_attempt_at": now, "sibil_message": exc.message,
                    "sync_state": "failed"}
            if not exc.retryable and exc.status in (400, 422):
                vals["state"] = "rejected"
            self.write(vals)
            self.message_post(body=self.env._("SIBIL: %(message)s", message=exc.message))
            if self.attempts >= MAX_ATTEMPTS or vals.get("state") == "rejected":
                self._todo_after_failure()
            return False
        state = FROM_SIBIL.get(str(answer.get("statutDeclaration") or "").upper(), "recorded")
        self.write({
            "state": state, "sync_state": "sent", "known_to_sibil": True, "attempts": 0, "last_attempt_at": now,
            "sent_at": now, "sibil_message": answer.get("message") or False,
        })
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def _todo_after_failure(self):
        if self.activity_ids:
            return
        user = self.event_id.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        self.activity_schedule(
            "mail.mail_activity_data_todo", user_id=user.id if user else self.env.uid,
            summary=self.env._("SIBIL declaration not accepted"),
            note=self.env._("%(name)s: %(message)s — fix it and send it again, or declare it by CSV import.",
                            name=self.name, message=self.sibil_message or ""))

    @api.model
    def _quarter_start(self, day):
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)

    @api.model
    def _cron_declare(self, today=None):
        """Daily: performances of past quarters are declared (from the 1st day of each quarter, so
        before its 10th); failed sends are retried; rejected ones wait for staff. Performances older
        than a year are left out (a database with years of history is not declared at install)."""
        today = today or fields.Date.context_today(self)
        start = datetime.combine(self._quarter_start(today), time.min)
        events = self.env["event.event"].sudo().search(
            [("date_end", "<", start), ("date_end", ">=", start - relativedelta(years=1))])
        declared = self.sudo().search([("event_id", "in", events.ids)]).event_id
        new = events - declared
        declarations = self.sudo()._for_events(new) if new else self.browse()
        to_send = self.sudo().search([
            ("event_id", "in", events.ids), ("state", "not in", ("closed", "cancelled", "rejected")),
        ])
        to_send._refresh_figures()
        (declarations | to_send).filtered(lambda d: d.sync_state != "sent")._send()

    # ------------------------------------------------------------------ CSV fallback
    def _csv_rows(self):
        for declaration in self:
            payload = declaration._payload()
            place = payload.pop("lieu")
            festival = payload.pop("festival")
            show = payload.pop("spectacle")
            payload.pop("statutDeclaration")
            yield {
                **payload,
                "jeunePublic": "true" if payload["jeunePublic"] else "false",
                "lieuNom": place["nom"], "lieuAdresse": place["adresse"], "lieuCodePostal": place["codePostal"],
                "lieuVille": place["ville"], "lieuSiret": place["siret"], "lieuTypeLieu": place["typeLieu"],
                "festival": festival["nom"] if festival else "",
                "spectacle": show["intitule"], "spectacleDomaine": show["domaine"],
            }

    def _csv(self):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\n")
        writer.writeheader()
        for row in self._csv_rows():
            writer.writerow(row)
        return buffer.getvalue()

    def action_export_csv(self):
        """The CSV for SIBIL's import (``importCsv``), when the API cannot be used."""
        self.check_access("read")
        self._refresh_figures_if_allowed()
        attachment = self.env["ir.attachment"].sudo().create({
            "name": "sibil-declarations.csv", "raw": self.sudo()._csv().encode("utf-8"),
            "mimetype": "text/csv", "res_model": self._name, "res_id": self[:1].id,
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _refresh_figures_if_allowed(self):
        if self.env["soticket.fr.sibil.declaration"].has_access("write"):
            self.sudo()._refresh_figures()
