# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import models
from . import tools
from . import wizard


def _post_init_hook(env):
    """Point every cooperative at the fee product, and give the product the company's default sales
    tax when the chart of accounts is already there.

    In a brand-new database the chart of accounts is loaded after every module, so the product
    stays without tax there: the invoicing wizard then asks for it (see readme/CONFIGURE.md).
    """
    product = env.ref("soticket_coop_billing.product_cooperative_fee", raise_if_not_found=False)
    if not product:
        return
    env["res.company"].search([("soticket_coop_fee_product_id", "=", False)]).soticket_coop_fee_product_id = product
    taxes = env["res.company"].search([]).account_sale_tax_id
    if taxes and not product.taxes_id:
        product.taxes_id = taxes
