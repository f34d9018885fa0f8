# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Door box agent, offline: µs per scan decided from the box's local state (no Odoo, no network).

Builds the SQLite state of a box (a temporary file) for an event of N tickets with some
revoked codes, then times: normalize + verify alone, the box's local decision
(normalize + verify + SQLite look-ups + rules) for a valid, a revoked and a garbled code,
and a whole offline scan (decision + outbox row + ticket update, each a committed
SQLite transaction, + feedback) as the agent runs it while the server is unreachable.

Usage: python bench/bench_box_verify.py [iterations] [tickets]
"""
import base64
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1] / "addons" / "soticket_scanner"))

from iot_box import decide
from iot_box.agent import Agent
from iot_box.codes import ticket_code
from iot_box.feedback import RecordingFeedback
from iot_box.store import Store

AZERTY = str.maketrans("1234567890AZ", "&é\"'(-è_çàQW")
EVENT, CATEGORY, GATE = 4321, 77, 12


def timed(label, func, iterations):
    func()  # warm-up
    start = time.perf_counter()
    for index in range(iterations):
        func(index)
    micros = (time.perf_counter() - start) / iterations * 1e6
    print(f"{label:<58} {micros:8.1f} µs")
    return micros


def iso(value):
    return value.isoformat(timespec="seconds") + "Z"


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    tickets = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    priv = ticket_code.generate_private_key()
    pub = ticket_code.public_key_from_private(priv)
    now = decide.utcnow()
    manifest = {
        "event": {"id": EVENT, "admission_start": iso(now - timedelta(hours=1)),
                  "admission_end": iso(now + timedelta(hours=3)), "policy": "single"},
        "gates": [{"id": GATE, "name": "Main door", "event_id": EVENT, "direction": "in", "category_ids": []}],
        "categories": [], "bus": {"channel": "bench", "types": []},
        "public_key": base64.b64encode(pub).decode(), "key_id": ticket_code.key_id(pub).hex(),
    }
    codes = [ticket_code.encode(priv, tid, EVENT, CATEGORY, 1) for tid in range(1, iterations + 2)]
    typed = [code.translate(AZERTY).swapcase() for code in codes]  # what an AZERTY keyboard wedge types
    revoked = ticket_code.encode(priv, 1, EVENT, CATEGORY, 0)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "box.sqlite")
        store.upsert_tickets([{"id": tid, "version": 1, "state": "valid", "inside": False, "category_id": CATEGORY}
                              for tid in range(1, max(tickets, iterations + 1) + 1)])
        store.add_revoked([{"code": ticket_code.encode(priv, tid, EVENT, CATEGORY, 0), "ticket_id": tid,
                            "version": 0} for tid in range(1, 201)])
        store.set(server="http://127.0.0.1:9", token="sst_bench", gate_id=GATE, event_id=EVENT, manifest=manifest)
        print(f"{iterations} iterations; local state: {store.counts()}; SQLite file, WAL")

        def local_decision(raw):
            return decide.decide(store, manifest, pub, GATE, "in", raw)

        assert local_decision(typed[0])[1].result == "admitted"
        assert local_decision(revoked)[1].result == "revoked"
        timed("normalize + verify (AZERTY, caps lock)",
              lambda i=0: ticket_code.verify(ticket_code.normalize(typed[i]), pub), iterations)
        timed("local decision, valid ticket (AZERTY, caps lock)", lambda i=0: local_decision(typed[i]), iterations)
        timed("local decision, revoked code", lambda i=0: local_decision(revoked), iterations)
        timed("local decision, garbled input", lambda i=0: local_decision("NOT-A-TICKET"), iterations)

        agent = Agent(store, RecordingFeedback(), websocket=False)
        agent.online = False  # the server is unreachable: the agent answers from its state at once
        outcome = agent.scan(codes[-1])
        assert (outcome.result, outcome.online) == ("admitted", False)
        total = timed("offline scan: decision + outbox + ticket update + feedback",
                      lambda i=0: agent.scan(typed[i]), iterations)
        assert store.outbox_pending_count() == iterations + 2
        assert agent.scan(typed[0]).result == "already_in"
        print(f"{'offline scans per second (one box)':<58} {1e6 / total:8.0f}")
        store.close()


if __name__ == "__main__":
    main()
