// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { BoxOfficePanel } from "./box_office_panel";

patch(ProductScreen, {
    components: { ...ProductScreen.components, BoxOfficePanel },
});
