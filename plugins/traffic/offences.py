"""Offences of Decree 168/2024/NĐ-CP (road traffic penalties, in force from 1 January 2025).

Pure data: each offence with its article, clause and point, fine range in VND and licence
points deducted. The four offences named in the project brief (car red light 18–20 million
and −4 points, motorbike red light 4–6 million, car speeding 10–20 km/h 4–6 million and −2
points, no helmet 400–600 thousand) are as the brief states; the article/clause/point
references and the other rows are as read from the decree and must be checked against the
official text before production use (see docs/plugins/traffic.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offence:
    """One offence and what Decree 168/2024 sets for it."""

    code: str
    vehicle: str  # car | motorbike (motorbike rows also cover e-bikes: Article 7)
    text: dict[str, str]
    article: str
    fine_min: int
    fine_max: int
    points: int

    def within_range(self, amount: int) -> bool:
        return self.fine_min <= amount <= self.fine_max


OFFENCES = {o.code: o for o in (
    Offence("car_red_light", "car", {"vi": "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
                                     "en": "Running a red light"},
            "Điểm b khoản 9 Điều 6", 18_000_000, 20_000_000, 4),
    Offence("car_speed_10_20", "car", {"vi": "Chạy quá tốc độ quy định từ 10 km/h đến 20 km/h",
                                       "en": "Speeding by 10 to 20 km/h"},
            "Điểm đ khoản 5 Điều 6", 4_000_000, 6_000_000, 2),
    Offence("car_speed_20_35", "car", {"vi": "Chạy quá tốc độ quy định trên 20 km/h đến 35 km/h",
                                       "en": "Speeding by more than 20 up to 35 km/h"},
            "Điểm a khoản 6 Điều 6", 6_000_000, 8_000_000, 4),
    Offence("car_alcohol_1", "car", {"vi": "Điều khiển xe có nồng độ cồn chưa vượt quá 50 mg/100 ml máu "
                                           "hoặc 0,25 mg/l khí thở",
                                     "en": "Driving with alcohol up to 50 mg/100 ml blood or 0.25 mg/l breath"},
            "Điểm c khoản 6 Điều 6", 6_000_000, 8_000_000, 4),
    Offence("bike_red_light", "motorbike", {"vi": "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
                                            "en": "Running a red light"},
            "Điểm c khoản 7 Điều 7", 4_000_000, 6_000_000, 4),
    Offence("bike_no_helmet", "motorbike", {"vi": "Không đội mũ bảo hiểm hoặc đội mũ không cài quai đúng quy cách",
                                            "en": "No helmet, or helmet not fastened"},
            "Điểm h khoản 2 Điều 7", 400_000, 600_000, 0),
    Offence("bike_speed_10_20", "motorbike", {"vi": "Chạy quá tốc độ quy định từ 10 km/h đến 20 km/h",
                                              "en": "Speeding by 10 to 20 km/h"},
            "Điểm a khoản 4 Điều 7", 800_000, 1_000_000, 0),
    Offence("bike_alcohol_1", "motorbike", {"vi": "Điều khiển xe có nồng độ cồn chưa vượt quá 50 mg/100 ml máu "
                                                  "hoặc 0,25 mg/l khí thở",
                                            "en": "Riding with alcohol up to 50 mg/100 ml blood or 0.25 mg/l breath"},
            "Điểm a khoản 6 Điều 7", 2_000_000, 3_000_000, 4),
)}
DECREE = {"vi": "Nghị định 168/2024/NĐ-CP", "en": "Decree 168/2024/ND-CP"}


def offence(code: str) -> Offence:
    """The offence with ``code`` (KeyError for an unknown code)."""
    return OFFENCES[code]
