# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import csv
import io
import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import QuarterCase

TOKEN = "jeton-de-test"


class FakeSibil(ThreadingHTTPServer):
    """The documented contract of SIBIL's API v2, in memory: authentication, create (409 when the
    idExtBilletterie exists), update (404 when it does not), a rejection with a message, a timeout."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SibilHandler)
        self.declarations = {}
        self.requests = []
        self.slow_once = set()  # idExtBilletterie answered after the client gave up (the request arrives)
        self.down = False  # answers 503 to everything


class SibilHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def _handle(self, method):
        server = self.server
        body = self._body()
        server.requests.append((method, self.path, body.get("idExtBilletterie")))
        if server.down:
            return self._answer(503, {"message": "Service indisponible"})
        if self.path == "/api/v2/authenticate" and method == "POST":
            if (body.get("login"), body.get("password")) == ("declarant", "secret"):
                return self._answer(200, {"token": TOKEN})
            return self._answer(401, {"message": "Identifiants invalides"})
        if self.path != "/api/v2/declarations":
            return self._answer(404, {"message": "Not found"})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, {"message": "Jeton invalide"})
        key = body.get("idExtBilletterie")
        if not (body.get("spectacle") or {}).get("domaine"):
            return self._answer(422, {"message": "Le domaine du spectacle est obligatoire."})
        if method == "POST":
            if key in server.declarations:
                return self._answer(409, {"message": "Déclaration déjà existante"})
            server.declarations[key] = body
            if key in server.slow_once:
                server.slow_once.discard(key)
                time.sleep(12)  # longer than the client waits (tests raise timeouts to 10 s)
            return self._answer(201, {"idExtBilletterie": key, "statutDeclaration": "ENREGISTRE"})
        if key not in server.declarations:
            return self._answer(404, {"message": "Déclaration inconnue"})
        server.declarations[key] = body
        return self._answer(200, {"idExtBilletterie": key, "statutDeclaration": "ENREGISTRE"})


@tagged("post_install", "-at_install")
class TestSibil(QuarterCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = FakeSibil()
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.company.write({
            "soticket_fr_sibil_url": f"http://127.0.0.1:{cls.server.server_address[1]}/",
            "soticket_fr_sibil_login": "declarant", "soticket_fr_sibil_password": "secret",
        })
        cls.env["ir.config_parameter"].set_param("soticket_l10n_fr.sibil_timeout", 1)
        cls.open_stage.soticket_fr_sibil_domain = "Musiques actuelles"
        cls.Declaration = cls.env["soticket.fr.sibil.declaration"]

    def setUp(self):
        super().setUp()
        self.server.declarations.clear()
        self.server.requests.clear()
        self.server.slow_once.clear()
        self.server.down = False

    def _declaration(self, event):
        return self.Declaration.search([("event_id", "=", event.id)])

    def test_declaration_fields_and_upsert(self):
        self._refund_after_show()
        self.Declaration._cron_declare(today=date(2026, 10, 1))
        declarations = self.Declaration.search([("event_id", "in", self.shows.ids)])
        self.assertEqual(len(declarations), 3)
        self.assertEqual(set(declarations.mapped("state")), {"recorded"})
        self.assertEqual(set(declarations.mapped("sync_state")), {"sent"})
        jazz = self._declaration(self.jazz)
        self.assertLessEqual(len(jazz.id_ext), 20, "short")
        self.assertEqual(jazz.id_ext, self.Declaration._id_ext(self.jazz), "stable")
        sent = self.server.declarations[jazz.id_ext]
        self.assertEqual(sent, {
            "idExtBilletterie": jazz.id_ext,
            "dateHeureRepresentationUnique": "2026-08-20T21:00:00+02:00",
            "jauge": 50,
            "jeunePublic": False,
            "nbBilletsTotalBilletterie": 4,
            "recetteTotalBilletterie": 65.0,
            "prixMoyenTotalBilletterie": 21.67,
            "nbBilletsTarifPlein": 2,
            "recetteTarifPlein": 50.0,
            "prixMoyenTarifPlein": 25.0,
            "nbBilletsTarifAbonnementForfait": 0,
            "nbBilletsExoneres": 1,
            "lieu": {"nom": self.company.name, "adresse": "1 quai de la Sirène", "codePostal": "17000",
                     "ville": "La Rochelle", "siret": "12345678900012", "typeLieu": "SALLE_SPECTACLE"},
            "festival": None,
            "spectacle": {"intitule": "Jazz à la Sirène", "domaine": "Jazz"},
            "statutDeclaration": "ENREGISTRE",
        })
        rock = self.server.declarations[self._declaration(self.rock).id_ext]
        self.assertEqual((rock["nbBilletsTotalBilletterie"], rock["recetteTotalBilletterie"],
                          rock["nbBilletsTarifPlein"], rock["jauge"]), (1, 30.0, 1, 40))
        stage = self.server.declarations[self._declaration(self.open_stage).id_ext]
        self.assertEqual((stage["nbBilletsTotalBilletterie"], stage["recetteTotalBilletterie"],
                          stage["prixMoyenTotalBilletterie"], stage["nbBilletsExoneres"]), (2, 0.0, 0.0, 2))
        posts = [r for r in self.server.requests if r[0] == "POST" and r[1] == "/api/v2/declarations"]
        self.assertEqual(len(posts), 3)

        # Nothing to resend; a later change is sent as an update (PUT), never a second declaration.
        self.Declaration._cron_declare(today=date(2026, 10, 2))
        self.assertEqual(len([r for r in self.server.requests if r[1] == "/api/v2/declarations"]), 3)
        manager = self.env["res.users"].create({
            "name": "Régie", "login": "regie", "company_id": self.company.id,
            "company_ids": [(6, 0, self.company.ids)],
            "groups_id": [(6, 0, self.env.ref("event.group_event_manager").ids)],
        })
        with self.assertRaises(AccessError):
            jazz.with_user(manager).write({"revenue_total": 1.0})
        self.jazz.soticket_fr_young_audience = True
        jazz.with_user(manager).action_send()
        self.assertEqual(self.server.requests[-1], ("PUT", "/api/v2/declarations", jazz.id_ext))
        self.assertTrue(self.server.declarations[jazz.id_ext]["jeunePublic"])
        self.assertEqual(len(self.server.declarations), 3)

    def test_not_before_the_quarter_is_over_nor_a_year_later(self):
        self.Declaration._cron_declare(today=date(2026, 9, 30))
        self.assertFalse(self.Declaration.search([("event_id", "in", self.shows.ids)]))
        self.Declaration._cron_declare(today=date(2027, 10, 1))
        self.assertFalse(self.Declaration.search([("event_id", "in", self.shows.ids)]))

    def test_rejection_shows_the_message_and_waits_for_staff(self):
        self.rock.soticket_fr_sibil_domain = False
        self.Declaration._cron_declare(today=date(2026, 10, 1))
        rock = self._declaration(self.rock)
        self.assertEqual((rock.state, rock.sync_state), ("rejected", "failed"))
        self.assertEqual(rock.sibil_message, "Le domaine du spectacle est obligatoire.")
        self.assertTrue(rock.activity_ids, "staff get a to-do")
        self.assertIn("Le domaine du spectacle est obligatoire.", rock.message_ids[0].body)
        count = len(self.server.requests)
        self.Declaration._cron_declare(today=date(2026, 10, 2))
        self.assertEqual(len(self.server.requests), count, "a rejected declaration is not resent by the cron")
        self.rock.soticket_fr_sibil_domain = "Musiques actuelles"
        rock.action_send()
        self.assertEqual((rock.state, rock.sync_state, rock.attempts), ("recorded", "sent", 0))
        self.assertFalse(rock.activity_ids)

    def test_errors_are_retried_then_a_todo(self):
        self.server.down = True
        for day in (1, 2):
            self.Declaration._cron_declare(today=date(2026, 10, day))
        jazz = self._declaration(self.jazz)
        self.assertEqual((jazz.state, jazz.sync_state, jazz.attempts), ("draft", "failed", 2))
        self.assertFalse(jazz.activity_ids)
        self.Declaration._cron_declare(today=date(2026, 10, 3))
        self.assertEqual(jazz.attempts, 3)
        self.assertTrue(jazz.activity_ids, "a to-do after repeated failures")
        self.server.down = False
        self.Declaration._cron_declare(today=date(2026, 10, 4))
        self.assertEqual((jazz.state, jazz.sync_state), ("recorded", "sent"))
        self.assertEqual(len(self.server.declarations), 3)

    def test_timeout_then_retry_declares_once(self):
        jazz = self.Declaration._for_events(self.jazz)
        self.server.slow_once.add(jazz.id_ext)
        jazz._send()
        self.assertEqual(jazz.sync_state, "failed")
        self.assertIn("did not answer", jazz.sibil_message)
        jazz._send()
        self.assertEqual((jazz.state, jazz.sync_state), ("recorded", "sent"))
        calls = [r[0] for r in self.server.requests if r[1] == "/api/v2/declarations"]
        self.assertEqual(calls, ["POST", "POST", "PUT"], "the second create finds it, then updates it")
        self.assertEqual(list(self.server.declarations), [jazz.id_ext])

    def test_wrong_credentials(self):
        self.company.soticket_fr_sibil_password = "faux"
        jazz = self.Declaration._for_events(self.jazz)
        jazz._send()
        self.assertEqual(jazz.sync_state, "failed")
        self.assertIn("Identifiants invalides", jazz.sibil_message)

    def test_csv_fallback(self):
        declarations = self.Declaration._for_events(self.shows)
        rows = list(csv.DictReader(io.StringIO(declarations._csv()), delimiter=";"))
        self.assertEqual(len(rows), 3)
        jazz = next(row for row in rows if row["spectacle"] == "Jazz à la Sirène")
        self.assertEqual((jazz["idExtBilletterie"], jazz["nbBilletsTotalBilletterie"], jazz["recetteTotalBilletterie"],
                          jazz["spectacleDomaine"], jazz["lieuSiret"]),
                         (self._declaration(self.jazz).id_ext, "5", "90.0", "Jazz", "12345678900012"))
        action = declarations.action_export_csv()
        self.assertIn("/web/content/", action["url"])
