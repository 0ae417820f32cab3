"""Tiered tariffs: EVN residential tiers of Decision 1279/QĐ-BCT (2025) and Hanoi domestic water."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.utilities.tariff import EVN_RESIDENTIAL_2025, electricity_charge, tiered, water_charge


def test_electricity_worked_example_188_kwh():
    charge = electricity_charge(188)
    assert [(t.tier, t.quantity, t.unit_price, t.amount) for t in charge.lines] == [
        (1, 50, 1984, 99_200), (2, 50, 2050, 102_500), (3, 88, 2380, 209_440)]
    assert (charge.subtotal, charge.vat, charge.total) == (411_140, 32_891, 444_031)


def test_electricity_all_six_tiers_at_450_kwh():
    charge = electricity_charge(450)
    assert [t.quantity for t in charge.lines] == [50, 50, 100, 100, 100, 50]
    assert [t.unit_price for t in charge.lines] == [1984, 2050, 2380, 2998, 3350, 3460]
    assert charge.subtotal == 1_247_500
    assert charge.lines[-1].first_unit == 401 and charge.lines[-1].last_unit is None


def test_water_worked_example_17_m3_with_vat_and_wastewater_fee():
    charge = water_charge(17)
    assert [(t.quantity, t.unit_price) for t in charge.lines] == [(10, 8500), (7, 9900)]
    assert (charge.subtotal, charge.vat, charge.fee, charge.total) == (154_300, 7_715, 15_430, 177_445)


def test_zero_consumption_costs_nothing_and_negative_is_refused():
    assert electricity_charge(0).total == 0
    with pytest.raises(ValueError):
        tiered(-1, EVN_RESIDENTIAL_2025)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=100_000))
def test_tiers_add_up_to_the_consumption_and_prices_never_fall(kwh):
    lines = tiered(kwh, EVN_RESIDENTIAL_2025)
    assert sum(t.quantity for t in lines) == kwh
    assert [t.unit_price for t in lines] == sorted(t.unit_price for t in lines)
    assert electricity_charge(kwh).subtotal == sum(t.amount for t in lines)
