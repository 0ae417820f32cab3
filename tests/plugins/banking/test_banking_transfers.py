"""NAPAS 247 transfers: overview, success, every refusal (audited), step-up, the face check and
its threshold, and idempotency — sequential retries and concurrent threads on one key."""

from __future__ import annotations

import threading

import pytest
from bank_helpers import (
    AN,
    AN_MAIN,
    DUNG,
    DUNG_ACCOUNT,
    MINH,
    NGOC,
    NGOC_ACCOUNT,
    OTHER_BANK_ACCOUNT,
    SIM_BIN,
    VCB,
    balances,
    grant,
    new_key,
)

from hal.sim import control
from hal.sim.citizens import TEST_CITIZENS
from sdk.testing import audit_entries


def transfer_form(key: str, **overrides) -> dict:
    form = {"idempotency_key": key, "from_account": AN_MAIN, "to_bin": VCB, "to_kind": "account",
            "to_number": OTHER_BANK_ACCOUNT, "amount": "1.500.000", "description": "Tien nha"}
    form.update(overrides)
    return form


def review(client, csrf_token, key, **overrides):
    return client.post("/s/banking/transfer/review", data={"csrf_token": csrf_token(client),
                                                           **transfer_form(key, **overrides)})


def confirm(client, csrf_token, key):
    return client.post("/s/banking/transfer/confirm", data={"csrf_token": csrf_token(client), "idempotency_key": key})


def face_check(client, csrf_token, key):
    return client.post("/s/banking/transfer/biometric", data={"csrf_token": csrf_token(client), "idempotency_key": key})


def transfer_entries(app, outcome=None):
    return [e for e in audit_entries(app) if e["action"] == "banking.transfer"
            and (outcome is None or e["outcome"] == outcome)]


def last_refusal(app):
    refused = [e for e in audit_entries(app) if e["outcome"] == "refused"]
    return refused[-1] if refused else None


@pytest.fixture
def an(app, bank_login):
    client = app.test_client()
    bank_login(client, AN)
    return client


# -- overview -----------------------------------------------------------------------------------


def test_overview_needs_a_login_and_then_consent(app, bank_login):
    client = app.test_client()
    response = client.get("/s/banking/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    bank_login(client, AN, consents=())
    response = client.get("/s/banking/")
    assert response.status_code == 302 and "/s/banking/consent" in response.headers["Location"]


def test_overview_shows_seeded_accounts_balances_and_recent_transactions_labelled_simulated(an):
    page = an.get("/s/banking/").get_data(as_text=True)
    assert 'data-account="1010000001"' in page and 'data-account="1010000011"' in page
    assert "85.500.000 ₫" in page and "12.000.000 ₫" in page
    assert "Phi dich vu SMS" in page and "Hoan tien" in page
    assert "Simulated bank" in page or "Ngân hàng mô phỏng" in page


def test_accounts_of_another_citizen_are_not_shown(app, bank_login):
    client = app.test_client()
    bank_login(client, NGOC)
    page = client.get("/s/banking/").get_data(as_text=True)
    assert 'data-account="1010000002"' in page and 'data-account="1010000001"' not in page


# -- success -----------------------------------------------------------------------------------


def test_transfer_to_another_bank_looks_up_the_name_debits_once_and_is_audited(app, an, csrf_token):
    key = new_key(an)
    page = review(an, csrf_token, key).get_data(as_text=True)
    assert "NGUYEN THI MAI" in page and "Vietcombank" in page and "1.500.000 ₫" in page
    assert balances(app)[AN_MAIN] == 85_500_000  # nothing moves before confirmation
    response = confirm(an, csrf_token, key)
    assert response.status_code == 303
    result = an.get(response.headers["Location"]).get_data(as_text=True)
    assert "FT" in result and "NGUYEN THI MAI" in result
    assert balances(app)[AN_MAIN] == 84_000_000
    [entry] = transfer_entries(app, "ok")
    assert entry["details"]["amount"] == 1_500_000 and entry["details"]["to_bin"] == VCB
    assert entry["actor"].startswith("citizen:") and entry["plugin"] == "banking"
    everything = "".join(str(e) for e in audit_entries(app))
    for secret in (TEST_CITIZENS[AN].personal_id, OTHER_BANK_ACCOUNT, "NGUYEN THI MAI", AN_MAIN):
        assert secret not in everything


def test_transfer_inside_the_bank_credits_the_beneficiary(app, an, csrf_token):
    key = new_key(an)
    page = review(an, csrf_token, key, to_bin=SIM_BIN, to_number=NGOC_ACCOUNT, amount="250000").get_data(as_text=True)
    assert "TRAN THI BICH NGOC" in page
    confirm(an, csrf_token, key)
    after = balances(app)
    assert after[AN_MAIN] == 85_250_000 and after[NGOC_ACCOUNT] == 24_000_000


def test_transfer_to_a_card_number(app, an, csrf_token):
    key = new_key(an)
    page = review(an, csrf_token, key, to_bin="970418", to_kind="card", to_number="9704180000000018",
                  amount="300000").get_data(as_text=True)
    assert "TRAN VAN BINH" in page
    assert confirm(an, csrf_token, key).status_code == 303
    assert balances(app)[AN_MAIN] == 85_200_000


# -- refusals ----------------------------------------------------------------------------------


def test_unknown_beneficiary_is_refused_before_confirmation_and_audited(app, an, csrf_token):
    response = review(an, csrf_token, new_key(an), to_number="9999999999")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-refusal="beneficiary_not_found"' in page
    entry = last_refusal(app)
    assert entry["action"] == "banking.transfer" and entry["details"]["reason"] == "beneficiary_not_found"


def test_insufficient_funds_is_refused_and_audited(app, bank_login, csrf_token):
    client = app.test_client()
    bank_login(client, MINH)  # 1.200.000 ₫
    response = review(client, csrf_token, new_key(client), from_account="1010000003", amount="2000000")
    assert response.status_code == 409 and 'data-refusal="insufficient_funds"' in response.get_data(as_text=True)
    assert last_refusal(app)["details"] == {"reason": "insufficient_funds", "amount": 2_000_000, "to_bin": VCB}
    assert balances(app)["1010000003"] == 1_200_000


def test_over_the_daily_limit_is_refused_and_audited(make_bank_station, bank_login, csrf_token):
    app = make_bank_station(daily_limit_vnd=5_000_000)
    client = app.test_client()
    bank_login(client, AN)
    response = review(client, csrf_token, new_key(client), amount="3000000")
    assert response.status_code == 200
    confirm(client, csrf_token, response.get_data(as_text=True).split('name="idempotency_key" value="')[1][:32])
    response = review(client, csrf_token, new_key(client), amount="2500000")
    assert response.status_code == 409 and 'data-refusal="over_daily_limit"' in response.get_data(as_text=True)
    assert last_refusal(app)["details"]["reason"] == "over_daily_limit"


def test_the_daily_limit_is_rechecked_when_money_moves(make_bank_station, bank_login, csrf_token):
    """Two confirmations prepared together cannot together exceed the limit."""
    app = make_bank_station(daily_limit_vnd=5_000_000)
    client = app.test_client()
    bank_login(client, AN)
    first, second = new_key(client), new_key(client)
    assert review(client, csrf_token, first, amount="3000000").status_code == 200
    # another transfer, not the same one again (an identical one is sent once: see the dedupe tests)
    assert review(client, csrf_token, second, amount="3000000", description="Tien hoc").status_code == 200
    assert client.get(confirm(client, csrf_token, first).headers["Location"]).status_code == 200
    refused = client.get(confirm(client, csrf_token, second).headers["Location"])
    assert refused.status_code == 409 and 'data-refusal="over_daily_limit"' in refused.get_data(as_text=True)
    assert balances(app)[AN_MAIN] == 82_500_000
    outcomes = [(e["outcome"], e["details"].get("reason")) for e in transfer_entries(app)]
    assert outcomes == [("ok", None), ("refused", "over_daily_limit")]


def test_the_limit_resets_on_the_next_vietnam_day(make_bank_station, bank_login, csrf_token, station_clock):
    app = make_bank_station(daily_limit_vnd=2_000_000)
    client = app.test_client()
    bank_login(client, AN)
    key = new_key(client)
    review(client, csrf_token, key, amount="2000000")
    confirm(client, csrf_token, key)
    assert review(client, csrf_token, new_key(client), amount="1000").status_code == 409
    station_clock.advance(6 * 3600)  # 19:00 → 01:00 the next day in Vietnam
    bank_login(client, AN, consents=())
    assert review(client, csrf_token, new_key(client), amount="1000").status_code == 200


def test_balance_spent_between_review_and_confirm_is_refused_when_money_moves(app, bank_login, csrf_token):
    client = app.test_client()
    bank_login(client, MINH)
    first, second = new_key(client), new_key(client)
    for key, what in ((first, "Tien nha"), (second, "Tien hoc")):
        assert review(client, csrf_token, key, from_account="1010000003", amount="1000000",
                      description=what).status_code == 200
    confirm(client, csrf_token, first)
    refused = client.get(confirm(client, csrf_token, second).headers["Location"])
    assert 'data-refusal="insufficient_funds"' in refused.get_data(as_text=True)
    assert balances(app)["1010000003"] == 200_000


@pytest.mark.parametrize("field, value", [("amount", "1,5 triệu"), ("amount", "-5000"), ("amount", "500"),
                                          ("amount", "500000000"), ("to_number", "12"), ("to_bin", "123456"),
                                          ("description", "x" * 101)])
def test_invalid_forms_are_refused_with_a_message(an, csrf_token, field, value):
    overrides = {field: value}
    if field == "to_number":
        overrides["to_kind"] = "card"
    response = review(an, csrf_token, new_key(an), **overrides)
    assert response.status_code == 400


def test_an_account_of_someone_else_cannot_be_debited(app, an, csrf_token):
    response = review(an, csrf_token, new_key(an), from_account=DUNG_ACCOUNT)
    assert response.status_code == 409 and 'data-refusal="account_not_found"' in response.get_data(as_text=True)
    assert balances(app)[DUNG_ACCOUNT] == 250_000_000


# -- step-up ------------------------------------------------------------------------------------


def test_every_transfer_needs_a_fresh_step_up(app, an, csrf_token, station_clock):
    key = new_key(an)
    review(an, csrf_token, key)
    station_clock.advance(121)
    response = confirm(an, csrf_token, key)
    assert response.status_code == 401
    assert balances(app)[AN_MAIN] == 85_500_000
    page = an.get("/s/banking/transfer")
    assert page.status_code in (302, 303) and page.headers["Location"].startswith("/login")


# -- face check for large transfers ---------------------------------------------------------------


def large_transfer(client, csrf_token, amount="15000000"):
    key = new_key(client)
    page = review(client, csrf_token, key, amount=amount).get_data(as_text=True)
    assert 'data-step="biometric"' in page
    return key


@pytest.fixture
def an_biometric(an, csrf_token):
    grant(an, csrf_token, "biometric")
    return an


def test_a_large_transfer_without_the_face_check_moves_nothing(app, an_biometric, csrf_token):
    key = large_transfer(an_biometric, csrf_token)
    response = confirm(an_biometric, csrf_token, key)
    assert response.status_code == 409 and 'data-step="biometric"' in response.get_data(as_text=True)
    assert balances(app)[AN_MAIN] == 85_500_000


def test_a_large_transfer_with_a_matching_face_goes_through(app, an_biometric, csrf_token, devices):
    key = large_transfer(an_biometric, csrf_token)
    page = face_check(an_biometric, csrf_token, key).get_data(as_text=True)
    assert 'data-step="biometric-ok"' in page
    assert control.simulator(devices.face).references  # the card's DG2 portrait reached the device
    confirm(an_biometric, csrf_token, key)
    assert balances(app)[AN_MAIN] == 70_500_000
    [entry] = transfer_entries(app, "ok")
    assert entry["details"]["biometric"] is True
    check = [e for e in audit_entries(app) if e["action"] == "banking.biometric"][-1]
    assert check["outcome"] == "ok" and check["details"]["score"] == 93


def test_exactly_the_threshold_amount_needs_no_face_check(app, an, csrf_token):
    key = new_key(an)
    page = review(an, csrf_token, key, amount="10000000").get_data(as_text=True)
    assert 'data-step="biometric"' not in page
    confirm(an, csrf_token, key)
    assert balances(app)[AN_MAIN] == 75_500_000


@pytest.mark.parametrize("profile, code", [("mismatch", "biometric_mismatch"), ("spoof", "liveness_failed")])
def test_a_face_that_does_not_match_or_is_not_live_is_refused_and_audited(app, an_biometric, csrf_token, devices,
                                                                         profile, code):
    control.set_profile(devices.face, profile)
    key = large_transfer(an_biometric, csrf_token)
    response = face_check(an_biometric, csrf_token, key)
    assert response.status_code == 403 and f'data-refusal="{code}"' in response.get_data(as_text=True)
    assert last_refusal(app)["details"]["reason"] == code
    assert confirm(an_biometric, csrf_token, key).status_code == 409
    assert balances(app)[AN_MAIN] == 85_500_000


@pytest.mark.parametrize("threshold, passes", [(80, True), (81, False)])
def test_the_face_match_threshold_comes_from_the_settings(make_bank_station, bank_login, csrf_token, devices,
                                                          threshold, passes):
    app = make_bank_station(face_match_threshold=threshold)
    control.simulator(devices.face).options["match_score"] = 80
    client = app.test_client()
    bank_login(client, AN, consents=("personal", "financial", "biometric"))
    key = large_transfer(client, csrf_token)
    response = face_check(client, csrf_token, key)
    assert (response.status_code == 200) is passes
    if not passes:
        assert last_refusal(app)["details"] == {"reason": "biometric_mismatch", "amount": 15_000_000,
                                                "to_bin": VCB, "score": 80}


def test_the_face_check_needs_the_logged_in_citizens_own_card(app, an_biometric, csrf_token, devices):
    key = large_transfer(an_biometric, csrf_token)
    control.simulator(devices.reader).insert_card(NGOC)
    response = face_check(an_biometric, csrf_token, key)
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and ("someone else" in text or "không phải của người" in text)
    entry = last_refusal(app)
    assert entry["action"] == "banking.biometric" and entry["details"]["reason"] == "different_person"
    assert control.simulator(devices.face).references == []


def test_no_face_in_front_of_the_camera_asks_to_try_again(app, an_biometric, csrf_token, devices):
    control.set_profile(devices.face, "no_face")
    key = large_transfer(an_biometric, csrf_token)
    response = face_check(an_biometric, csrf_token, key)
    assert response.status_code == 409 and 'data-step="biometric"' in response.get_data(as_text=True)
    assert last_refusal(app)["details"]["reason"] == "no_face"


def test_the_face_check_asks_for_biometric_consent_in_place_and_then_goes_on(app, an, csrf_token, devices):
    key = large_transfer(an, csrf_token)
    page = an.get(f"/s/banking/transfer/review/{key}").get_data(as_text=True)
    assert 'name="agree_biometric"' in page  # the question is on the confirmation page itself
    refused = face_check(an, csrf_token, key)  # not ticked: the same page again, nothing checked
    assert refused.status_code == 400 and 'name="agree_biometric"' in refused.get_data(as_text=True)
    assert not [e for e in audit_entries(app) if e["action"] == "banking.biometric"]
    agreed = an.post("/s/banking/transfer/biometric", data={"csrf_token": csrf_token(an), "idempotency_key": key,
                                                            "agree_biometric": "yes"})
    assert agreed.status_code == 200 and 'data-step="biometric-ok"' in agreed.get_data(as_text=True)
    assert [e["action"] for e in audit_entries(app) if e["action"].startswith("consent.")][-1] == "consent.grant"
    assert confirm(an, csrf_token, key).status_code == 303


def test_a_form_with_mistakes_comes_back_filled_in_with_the_error_beside_the_field(an, csrf_token):
    response = review(an, csrf_token, new_key(an), amount="500", description="Tiền học tháng 9")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="kp-amount" name="amount" value="500"' in page and 'aria-describedby="kp-amount-error"' in page
    assert 'id="kp-amount-error"' in page and f'value="{OTHER_BANK_ACCOUNT}"' in page
    assert 'value="Tiền học tháng 9"' in page and 'aria-invalid="true"' in page
    assert page.count('aria-invalid="true"') == 1


def test_an_unknown_beneficiary_comes_back_with_the_error_next_to_the_number(an, csrf_token):
    page = review(an, csrf_token, new_key(an), to_number="9999999999").get_data(as_text=True)
    assert 'id="kp-to_number-error"' in page and 'value="9999999999"' in page and 'value="1.500.000"' in page


# -- idempotency ----------------------------------------------------------------------------------


def test_a_double_tap_moves_the_money_once_and_shows_the_same_result(app, an, csrf_token):
    key = new_key(an)
    review(an, csrf_token, key)
    first = confirm(an, csrf_token, key)
    second = confirm(an, csrf_token, key)
    assert first.headers["Location"] == second.headers["Location"]
    assert balances(app)[AN_MAIN] == 84_000_000
    assert len(transfer_entries(app, "ok")) == 1


def test_one_key_confirmed_from_many_threads_debits_once(app, an, csrf_token):
    from plugins.banking.connector import SimulatedCoreBanking
    from plugins.banking.models import SimEntry
    from plugins.banking.service import TransferDraft, execute_transfer

    key = new_key(an)
    draft = TransferDraft(AN_MAIN, VCB, "account", OTHER_BANK_ACCOUNT, 700_000, "Double tap")
    bank = SimulatedCoreBanking({})
    with app.app_context():
        cif = bank.find_customer(TEST_CITIZENS[AN].personal_id)
    with an.session_transaction() as session:
        citizen_id = int(session["_user_id"].split(":")[1])
    results, errors = [], []
    barrier = threading.Barrier(8)

    def attempt():
        try:
            with app.test_request_context("/s/banking/transfer/confirm", method="POST"):
                barrier.wait()
                outcome = execute_transfer(bank, citizen_id=citizen_id, cif=cif, key=key, draft=draft,
                                           daily_limit=100_000_000, biometric=False, now=1_796_040_000.0)
                results.append((outcome.transfer.id, outcome.replayed))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len({transfer_id for transfer_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 7
    assert balances(app)[AN_MAIN] == 84_800_000
    with app.app_context():
        assert SimEntry.select().where(SimEntry.reference == key).count() == 1
    assert len(transfer_entries(app, "ok")) == 1


def test_the_same_key_with_another_amount_is_an_error_not_a_second_transfer(app, an, csrf_token):
    from plugins.banking.connector import SimulatedCoreBanking
    from plugins.banking.service import TransferDraft, execute_transfer
    from sdk import UserInputError

    key = new_key(an)
    review(an, csrf_token, key)
    confirm(an, csrf_token, key)
    with an.session_transaction() as session:
        citizen_id = int(session["_user_id"].split(":")[1])
    with app.test_request_context("/s/banking/transfer/confirm", method="POST"):
        bank = SimulatedCoreBanking({})
        cif = bank.find_customer(TEST_CITIZENS[AN].personal_id)
        with pytest.raises(UserInputError):
            execute_transfer(bank, citizen_id=citizen_id, cif=cif, key=key,
                             draft=TransferDraft(AN_MAIN, VCB, "account", OTHER_BANK_ACCOUNT, 9_000_000, "Tien nha"),
                             daily_limit=100_000_000, biometric=False, now=1_796_040_000.0)
    assert balances(app)[AN_MAIN] == 84_000_000


def test_a_transfer_result_is_visible_only_to_its_owner(app, an, bank_login, csrf_token):
    key = new_key(an)
    review(an, csrf_token, key)
    location = confirm(an, csrf_token, key).headers["Location"]
    other = app.test_client()
    bank_login(other, DUNG)
    assert other.get(location).status_code == 404


# -- Decision 2345/QĐ-NHNN: the day's total --------------------------------------------------------


@pytest.mark.parametrize("amount, used, needed", [
    (10_000_000, 0, False), (10_000_001, 0, True), (9_000_000, 9_000_000, False),
    (9_000_000, 18_000_000, True), (2_000_000, 18_000_000, False), (2_000_001, 18_000_000, True),
    (1_000_000, 27_000_000, False), (10_000_001, 27_000_000, True), (20_000_000, 0, True),
])
def test_face_check_rule_of_decision_2345(amount, used, needed):
    from plugins.banking.rules import face_check_required

    assert face_check_required(amount, used) is needed


def test_a_site_may_make_the_face_check_rule_stricter_never_looser():
    from plugins.banking.rules import face_check_required

    assert face_check_required(6_000_000, 0, single_above=5_000_000)
    assert face_check_required(11_000_000, 0, single_above=50_000_000)
    assert face_check_required(9_000_000, 18_000_000, daily_above=90_000_000)


def test_three_transfers_of_nine_million_the_third_needs_the_face_check(app, an_biometric, csrf_token, devices):
    for what in ("Tien dien", "Tien hoc"):  # two different transfers (an identical one is sent once)
        key = new_key(an_biometric)
        assert 'data-step="biometric"' not in review(an_biometric, csrf_token, key, amount="9000000",
                                                     description=what).get_data(as_text=True)
        confirm(an_biometric, csrf_token, key)
    assert balances(app)[AN_MAIN] == 67_500_000
    key = large_transfer(an_biometric, csrf_token, amount="9000000")  # 18 + 9 > 20 million today
    refused = confirm(an_biometric, csrf_token, key)
    assert refused.status_code == 409 and 'data-step="biometric"' in refused.get_data(as_text=True)
    assert balances(app)[AN_MAIN] == 67_500_000
    assert 'data-step="biometric-ok"' in face_check(an_biometric, csrf_token, key).get_data(as_text=True)
    confirm(an_biometric, csrf_token, key)
    assert balances(app)[AN_MAIN] == 58_500_000
    assert [e["details"]["biometric"] for e in transfer_entries(app, "ok")] == [False, False, True]


def test_the_service_refuses_the_transfer_crossing_the_day_total_without_the_face_check(app, an, csrf_token):
    """Two transfers confirmed together: the second to move money is checked against the day as reserved."""
    from plugins.banking.connector import SimulatedCoreBanking
    from plugins.banking.models import DailyUsage
    from plugins.banking.service import TransferDraft, execute_transfer, vietnam_day

    new_key(an)  # the simulated bank is seeded on first use
    with an.session_transaction() as session:
        citizen_id = int(session["_user_id"].split(":")[1])
    at = 1_796_040_000.0
    with app.test_request_context("/s/banking/transfer/confirm", method="POST"):
        bank = SimulatedCoreBanking({})
        cif = bank.find_customer(TEST_CITIZENS[AN].personal_id)
        outcomes = [execute_transfer(bank, citizen_id=citizen_id, cif=cif, key=f"k{n}-{'x' * 20}",
                                     draft=TransferDraft(AN_MAIN, VCB, "account", OTHER_BANK_ACCOUNT, 9_000_000,
                                                         f"Nha {n}"),  # three different transfers
                                     daily_limit=100_000_000, biometric=False, now=at) for n in range(3)]
        assert [(o.transfer.state, o.transfer.refusal) for o in outcomes] == [
            ("SUCCEEDED", None), ("SUCCEEDED", None), ("REFUSED", "biometric_required")]
        usage = DailyUsage.get((DailyUsage.citizen_id == citizen_id) & (DailyUsage.day == vietnam_day(at)))
        assert usage.used_vnd == 18_000_000
    assert balances(app)[AN_MAIN] == 67_500_000


def test_the_same_transfer_confirmed_from_two_tabs_is_sent_once(app, an, csrf_token):
    """Two forms filled in with the same transfer: the second confirmation shows the first one
    and moves nothing, unless the citizen deliberately chooses to send it again."""
    client = an
    tab1, tab2 = new_key(client), new_key(client)
    for key in (tab1, tab2):
        assert review(client, csrf_token, key).status_code == 200
    before = balances(app)[AN_MAIN]
    sent = confirm(client, csrf_token, tab1)
    assert sent.status_code == 303
    duplicate = confirm(client, csrf_token, tab2)
    page = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 409 and 'id="duplicate-notice"' in page and 'id="send-again"' in page
    assert balances(app)[AN_MAIN] == before - 1_500_000
    assert len(transfer_entries(app, "ok")) == 1
    again = client.post("/s/banking/transfer/confirm", data={"csrf_token": csrf_token(client),
                                                             "idempotency_key": tab2, "send_again": "yes"})
    assert again.status_code == 303 and again.headers["Location"] != sent.headers["Location"]
    assert balances(app)[AN_MAIN] == before - 3_000_000
    assert confirm(client, csrf_token, tab2).headers["Location"] == again.headers["Location"]  # a retry: same


def test_concurrent_confirmations_of_the_same_transfer_from_two_tabs_send_it_once(app, an, csrf_token):
    client = an
    keys = [new_key(client) for _ in range(4)]
    for key in keys:
        review(client, csrf_token, key)
    before = balances(app)[AN_MAIN]
    token = csrf_token(client)
    barrier = threading.Barrier(len(keys))
    statuses: list[int] = []

    def press(key: str) -> None:
        barrier.wait()
        statuses.append(client.post("/s/banking/transfer/confirm",
                                    data={"csrf_token": token, "idempotency_key": key}).status_code)

    threads = [threading.Thread(target=press, args=(k,)) for k in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [303, 409, 409, 409]
    assert balances(app)[AN_MAIN] == before - 1_500_000
    assert len(transfer_entries(app, "ok")) == 1


# -- at rest (issue 16) --------------------------------------------------------------------------


def test_a_sent_transfer_keeps_accounts_and_amount_encrypted_and_erasure_shreds_them(app, an, csrf_token):
    from core import db
    from core.privacy.subject_rights import erase_citizen

    key = new_key(an)
    review(an, csrf_token, key)
    result = an.get(confirm(an, csrf_token, key).headers["Location"]).get_data(as_text=True)
    assert "1.500.000" in result and OTHER_BANK_ACCOUNT[-4:] in result  # the citizen sees them
    with app.app_context():
        [row] = db.database.obj.execute_sql("SELECT * FROM banking_transfer").fetchall()
        clear = repr(row) + "".join(bytes(v).decode("latin-1") for v in row if isinstance(v, bytes | memoryview))
        for value in (AN_MAIN, "1500000", OTHER_BANK_ACCOUNT[-4:]):
            assert value not in clear, value
        [(citizen_id,)] = db.database.obj.execute_sql("SELECT citizen_id FROM banking_transfer").fetchall()
        erase_citizen(citizen_id)
        assert db.database.obj.execute_sql("SELECT COUNT(*) FROM banking_transfer").fetchone()[0] == 0
