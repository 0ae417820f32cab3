"""Decree 168/2024 catalogue: the amounts the brief fixes, and sane ranges everywhere."""

from plugins.traffic.connector import PENALISED, SEED_VEHICLES, SEED_VIOLATIONS
from plugins.traffic.offences import OFFENCES
from plugins.traffic.plates import parse_plate


def test_brief_amounts_and_points_of_decree_168():
    assert (OFFENCES["car_red_light"].fine_min, OFFENCES["car_red_light"].fine_max,
            OFFENCES["car_red_light"].points) == (18_000_000, 20_000_000, 4)
    assert (OFFENCES["bike_red_light"].fine_min, OFFENCES["bike_red_light"].fine_max) == (4_000_000, 6_000_000)
    assert (OFFENCES["car_speed_10_20"].fine_min, OFFENCES["car_speed_10_20"].fine_max,
            OFFENCES["car_speed_10_20"].points) == (4_000_000, 6_000_000, 2)
    assert (OFFENCES["bike_no_helmet"].fine_min, OFFENCES["bike_no_helmet"].fine_max) == (400_000, 600_000)


def test_every_offence_cites_an_article_and_has_a_range():
    for offence in OFFENCES.values():
        assert "Điều" in offence.article and 0 < offence.fine_min <= offence.fine_max and offence.points >= 0


def test_seeded_cases_are_consistent_plates_offences_and_decided_amounts():
    plates = {v.plate: v.vehicle_type for vehicles in SEED_VEHICLES.values() for v in vehicles}
    for case in SEED_VIOLATIONS:
        assert parse_plate(case.plate, case.vehicle_type).text == case.plate
        assert plates[case.plate] == case.vehicle_type
        offence = OFFENCES[case.offence_code]
        assert offence.vehicle == ("car" if case.vehicle_type == "car" else "motorbike")
        if case.status == PENALISED:
            assert case.decision_number and offence.within_range(case.decided_amount_vnd)
