"""The over-the-counter shop: catalogue, cart, payment, pickup code; never prescription-only."""

from __future__ import annotations

import re

import pytest
from healthcare_helpers import audit_entries


@pytest.fixture
def app(health_station):
    return health_station([])


def _add(client, csrf_token, sku, qty=1):
    return client.post("/s/healthcare/shop/cart", data={"sku": sku, "qty": str(qty), "csrf_token": csrf_token(client)})


def _checkout(client, csrf_token):
    page = client.get("/s/healthcare/shop").get_data(as_text=True)
    attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    return client.post("/s/healthcare/shop/checkout", data={"attempt": attempt, "csrf_token": csrf_token(client)})


def test_catalogue_lists_only_otc_products_with_price_and_stock(app, login_citizen):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    page = client.get("/s/healthcare/shop").get_data(as_text=True)
    assert 'data-sku="PARA500"' in page and "15.000" in page and "Còn: 40" in page
    assert 'data-sku="AMOX500"' not in page and 'data-sku="MORPH10"' not in page
    assert "Hết hàng" in page                          # bandages are out of stock


def test_otc_path_refuses_a_prescription_only_medicine(app, login_citizen, csrf_token, payments):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    refused = _add(client, csrf_token, "AMOX500")
    assert refused.status_code == 403 and "đơn của bác sĩ" in refused.get_data(as_text=True)
    assert any('"healthcare.otc_refused"' in e and "product:AMOX500" in e for e in audit_entries(app))
    # even a cart tampered with in the session cannot be paid
    with client.session_transaction() as session:
        session["healthcare_cart"] = {"AMOX500": 2}
    page = client.get("/s/healthcare/shop")
    assert page.status_code == 403
    tampered = client.post("/s/healthcare/shop/checkout", data={"attempt": "a" * 16, "csrf_token": csrf_token(client)})
    assert tampered.status_code == 403 and not payments.started


def test_cart_checkout_payment_and_pickup_code(app, login_citizen, csrf_token, payments):
    from plugins.healthcare.connector import inventory

    client = app.test_client()
    login_citizen(client, assurance="basic")
    assert _add(client, csrf_token, "PARA500", 2).status_code == 303
    assert _add(client, csrf_token, "ORS245", 5).status_code == 303
    assert _add(client, csrf_token, "ORS245", 0).status_code == 303          # removed again
    assert _add(client, csrf_token, "VITC500", 1).status_code == 303
    cart = client.get("/s/healthcare/shop").get_data(as_text=True)
    assert "75.000" in cart                                                  # 2 × 15.000 + 45.000
    paying = _checkout(client, csrf_token)
    started = payments.started[-1]
    assert paying.status_code == 303 and paying.headers["Location"] == started["payment"].pay_url
    assert started["amount_vnd"] == 75000 and started["purpose"] == "healthcare.otc"
    order_id = int(started["reference"].split(":")[1])
    pickup = dict(started["receipt_lines"])["Mã nhận hàng"]
    assert 'data-state="paying"' in client.get(f"/s/healthcare/shop/orders/{order_id}").get_data(as_text=True)
    payments.settle(app)
    page = client.get(f"/s/healthcare/shop/orders/{order_id}").get_data(as_text=True)
    assert 'data-state="paid"' in page and pickup in page
    with app.test_request_context():
        assert inventory().product("PARA500").stock == 38
    assert "Giỏ hàng trống" in client.get("/s/healthcare/shop").get_data(as_text=True)


def test_quantities_are_limited_by_stock_and_the_site_setting(app, login_citizen, csrf_token):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    assert _add(client, csrf_token, "BAND100", 1).status_code == 400        # out of stock
    assert _add(client, csrf_token, "PARA500", 6).status_code == 400        # shop_max_quantity = 5
    assert _add(client, csrf_token, "NOPE", 1).status_code == 400


def test_failed_payment_leaves_the_order_unpaid_without_taking_stock(app, login_citizen, csrf_token, payments):
    from plugins.healthcare.connector import inventory

    client = app.test_client()
    login_citizen(client, assurance="basic")
    _add(client, csrf_token, "MASK50", 1)
    _checkout(client, csrf_token)
    payments.settle(app, state="FAILED")
    order_id = int(payments.started[-1]["reference"].split(":")[1])
    assert 'data-state="failed"' in client.get(f"/s/healthcare/shop/orders/{order_id}").get_data(as_text=True)
    with app.test_request_context():
        assert inventory().product("MASK50").stock == 30
