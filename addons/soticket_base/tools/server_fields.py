# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Fields only SoTicket's own flows may write (money, status, fiscal numbering).

Those flows run in superuser mode (``sudo()``) once they have checked the caller's
rights and the business rules; a request coming over RPC or from a form is never in
superuser mode, whatever the user's groups. So a write or create that touches one of
these fields outside superuser mode is refused as a whole, before anything is written.
"""

from odoo.exceptions import AccessError


def check_server_fields(records, vals_list, field_names):
    """Raise a translated AccessError if ``vals_list`` (a dict or a list of dicts) sets any of
    ``field_names`` on ``records``' model outside superuser mode."""
    env = records.env
    if env.su:
        return
    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    touched = sorted({name for vals in vals_list for name in vals if name in field_names})
    if not touched:
        return
    labels = ", ".join(records._fields[name]._description_string(env) for name in touched)
    raise AccessError(env._(
        "%(model)s: %(fields)s can only be changed by SoTicket itself (sale, refund, resale, admission or "
        "statement flows), not edited directly. Nothing was changed.",
        fields=labels, model=env["ir.model"]._get(records._name).name or records._name))
