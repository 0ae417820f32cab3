"""Vietnamese plate validation: formats for car, motorbike and e-bike, with clear errors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.traffic.plates import InvalidPlate, parse_plate


@pytest.mark.parametrize("raw, vehicle_type, canonical", [
    ("51F-123.45", "car", "51F-123.45"), ("29A-123.45", "car", "29A-123.45"), ("51f12345", "car", "51F-123.45"),
    (" 30LD-123.45 ", "car", "30LD-123.45"), ("29A-1234", "car", "29A-1234"),
    ("59-X1 123.45", "motorbike", "59-X1 123.45"), ("59x112345", "motorbike", "59-X1 123.45"),
    ("59-X1 1234", "motorbike", "59-X1 1234"), ("29-MĐ1 123.45", "ebike", "29-MĐ1 123.45"),
    ("29md112345", "ebike", "29-MĐ1 123.45"), ("15-MĐ1 012.34", "ebike", "15-MĐ1 012.34"),
])
def test_valid_plates_are_normalised_to_their_printed_form(raw, vehicle_type, canonical):
    plate = parse_plate(raw, vehicle_type)
    assert plate.text == canonical and plate.vehicle_type == vehicle_type


@pytest.mark.parametrize("raw, vehicle_type, message", [
    ("", "car", "Enter the plate"),
    ("59-X1 123.45", "car", "car plate looks like 51F-123.45"),
    ("51F-123.45", "motorbike", "motorbike plate looks like 59-X1 123.45"),
    ("59-X1 123.45", "ebike", "e-bike plate looks like 29-MĐ1 123.45"),
    ("05A-123.45", "car", "05 is not a locality code"),
    ("51O-123.45", "car", "letter O is not used"),
    ("59-I1 123.45", "motorbike", "letter I is not used"),
    ("51F-123.456", "car", "car plate"),
    ("51F-123.45", "truck", "Choose the vehicle type"),
])
def test_wrong_plates_say_what_the_right_form_is(raw, vehicle_type, message):
    with pytest.raises(InvalidPlate) as caught:
        parse_plate(raw, vehicle_type)
    assert message in str(caught.value)
    assert caught.value.vi and caught.value.http_status == 400


@settings(max_examples=200)
@given(st.text(max_size=20), st.sampled_from(["car", "motorbike", "ebike"]))
def test_any_text_is_either_a_plate_that_round_trips_or_a_clear_error(raw, vehicle_type):
    try:
        plate = parse_plate(raw, vehicle_type)
    except InvalidPlate:
        return
    assert parse_plate(plate.text, vehicle_type) == plate
