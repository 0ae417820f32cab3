"""The over-the-counter shop: catalogue with stock and price, cart, payment, pickup code.

A prescription-only product can never enter the cart or an order, whatever the form says.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import redirect, render_template, request, session, url_for

from sdk import (
    PermissionDenied,
    UserInputError,
    audit,
    current_citizen,
    get_owned,
    now,
    pick,
    plugin_settings,
    requires,
    transaction,
)

from .. import checkout
from ..checkout import SHOP_PURPOSE, items_detail, new_pickup_code
from ..connector import Product, inventory
from ..models import ShopOrder
from ..schemas import CartItemForm, PayForm, load_form
from . import bp

CART_KEY = "healthcare_cart"


def _cart() -> dict[str, int]:
    return {str(k): int(v) for k, v in session.get(CART_KEY, {}).items()}


def _otc_product(sku: str) -> Product:
    """The product if the shop may sell it; prescription-only ones are refused and audited."""
    product = inventory().product(sku)
    if product is None:
        raise UserInputError(pick("Không có sản phẩm này.", "There is no such product."))
    if not product.otc:
        with transaction():
            audit("healthcare.otc_refused", object_ref=f"product:{sku}", outcome="refused",
                  details={"reason": "prescription_only"})
        raise PermissionDenied(pick("Thuốc này chỉ bán theo đơn của bác sĩ. Hãy dùng mục «Đơn thuốc điện tử».",
                                    "This medicine needs a doctor's prescription. Use “E-prescription” instead."))
    return product


def _cart_lines(cart: dict[str, int]) -> tuple[list[tuple[Product, int, int]], int]:
    lines = [(_otc_product(sku), qty, 0) for sku, qty in cart.items() if qty > 0]
    lines = [(p, qty, p.price_vnd * qty) for p, qty, _ in lines]
    return lines, sum(total for _, _, total in lines)


@bp.route("/shop")
@requires("healthcare.use")
def shop() -> Any:
    """Non-prescription products with price and stock, and the cart."""
    products = [p for p in inventory().catalogue() if p.otc]
    lines, total = _cart_lines(_cart())
    return render_template("healthcare/shop.html", products=products, lines=lines, total=total,
                           attempt=secrets.token_urlsafe(16), inv=inventory())


@bp.route("/shop/cart", methods=["POST"])
@requires("healthcare.use")
def shop_cart() -> Any:
    """Set a product's quantity in the cart (0 removes it)."""
    form = load_form(CartItemForm, request.form)
    product = _otc_product(form["sku"])
    limit = plugin_settings()["shop_max_quantity"]
    if form["qty"] > limit:
        raise UserInputError(pick(f"Mỗi sản phẩm tối đa {limit}.", f"At most {limit} of each product."))
    if form["qty"] > product.stock:
        raise UserInputError(pick(f"Chỉ còn {product.stock} {product.unit['vi']}.",
                                  f"Only {product.stock} {product.unit['en']} left."))
    cart = _cart()
    if form["qty"]:
        cart[product.sku] = form["qty"]
    else:
        cart.pop(product.sku, None)
    session[CART_KEY] = cart
    return redirect(url_for("healthcare.shop"), code=303)


@bp.route("/shop/checkout", methods=["POST"])
@requires("healthcare.use")
def shop_checkout() -> Any:
    """Turn the cart into an order and pay for it."""
    form = load_form(PayForm, request.form)
    lines, total = _cart_lines(_cart())
    if not lines:
        raise UserInputError(pick("Giỏ hàng đang trống.", "Your cart is empty."))
    for product, qty, _ in lines:
        if qty > product.stock:
            raise UserInputError(pick(f"{product.name['vi']}: chỉ còn {product.stock}.",
                                      f"{product.name['en']}: only {product.stock} left."))
    with transaction():
        order = ShopOrder.create(citizen_id=current_citizen().id, state="paying", total_vnd=total,
                                 lines=[{"sku": p.sku, "qty": q, "unit_price": p.price_vnd, "total": t}
                                        for p, q, t in lines],
                                 pickup_code=new_pickup_code(), created_at=now())
        audit("healthcare.otc_order", object_ref=f"shoporder:{order.id}",
              details={"items": items_detail({p.sku: q for p, q, _ in lines}), "amount_vnd": total})
    payment = checkout.start_payment(
        amount_vnd=total, purpose=SHOP_PURPOSE, reference=f"shoporder:{order.id}", idempotency_key=form["attempt"],
        description={"vi": "Thuốc không kê đơn", "en": "Over-the-counter medicine"},
        return_url=url_for("healthcare.shop_order", order_id=order.id),
        receipt_lines=[(pick("Mã nhận hàng", "Pickup code"), order.pickup_code),
                       (pick("Nơi nhận", "Collect at"), plugin_settings()["pickup_counter"])])
    with transaction():
        order.payment_id = str(payment.id)
        order.save()
    session.pop(CART_KEY, None)
    return redirect(payment.pay_url, code=303)


@bp.route("/shop/orders/<int:order_id>")
@requires("healthcare.use")
def shop_order(order_id: int) -> Any:
    """The order's state and, once paid, the pickup code."""
    order = get_owned(ShopOrder, order_id, staff_permission="healthcare.dispense")
    return render_template("healthcare/shop_order.html", order=order, product=inventory().product,
                           counter=plugin_settings()["pickup_counter"])
