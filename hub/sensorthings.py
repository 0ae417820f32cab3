"""Environmental readings as open data: a read-only OGC SensorThings API v1.1 subset.

Entities and ids (all public, no login, ``Access-Control-Allow-Origin: *``):

- ``Things('<station id>')`` — a station, with its ward and province as properties;
- ``Locations('<station id>')`` — its configured coordinates (GeoJSON Point), when it has some;
- ``Sensors('<kind>')`` — ``geiger_counter``, ``air_quality``;
- ``ObservedProperties('<quantity>')`` — ``dose_rate``, ``count_rate``, ``pm25``, ``pm10``;
- ``Datastreams('<station id>.<sensor>.<quantity>')`` — one station's series of one quantity;
- ``Observations(<n>)`` — one reading: ``phenomenonTime`` (ISO 8601, UTC), ``result``.

Collections answer ``{"value": [...]}`` with ``$top`` (default 100, at most 1000), ``$skip``,
``$count=true`` and ``@iot.nextLink``; observations are newest first. Navigation:
``Things(id)/Datastreams``, ``Things(id)/Locations``, ``Datastreams(id)/Observations``,
``Datastreams(id)/Thing|Sensor|ObservedProperty``, ``Observations(n)/Datastream``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from hub.db import Observation, Station

sensorthings = Blueprint("hub_sensorthings", __name__, url_prefix="/sta/v1.1")
ROOT = "/sta/v1.1"
MAX_TOP = 1000
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
SENSORS = {"geiger_counter": ("Ống đếm Geiger–Müller (GQ GMC) / Geiger–Müller counter (GQ GMC)",
                              "https://www.gqelectronicsllc.com/comersus/store/download.asp"),
           "air_quality": ("Cảm biến bụi laser Plantower PMS5003 / Plantower PMS5003 laser dust sensor",
                           "https://www.plantower.com/en/products_33/74.html")}
PROPERTIES = {"dose_rate": ("Suất liều bức xạ gamma / Ambient gamma dose rate",
                            "http://vocab.nerc.ac.uk/collection/P01/current/DOSERATE/"),
              "count_rate": ("Số đếm mỗi phút / Counts per minute", "https://en.wikipedia.org/wiki/Counts_per_minute"),
              "pm25": ("Bụi mịn PM2.5 / Particulate matter PM2.5", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001"),
              "pm10": ("Bụi PM10 / Particulate matter PM10", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5")}
_ID = r"\('([A-Za-z0-9_.-]{1,120})'\)|\((\d{1,18})\)"
_PATH = re.compile(rf"^(Things|Locations|Sensors|ObservedProperties|Datastreams|Observations)(?:{_ID})?"
                   r"(?:/(Datastreams|Locations|Observations|Thing|Sensor|ObservedProperty|Datastream))?$")


def _base() -> str:
    public = current_app.extensions["hub"]["config"].public_url  # never the Host header when set
    return (public or request.host_url).rstrip("/") + ROOT


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _quoted(entity_set: str, key: str) -> str:
    return f"{_base()}/{entity_set}('{key}')"


def _health(station: Station) -> dict[str, Any]:
    health = json.loads(station.health) if station.health else {}
    return health.get("site") if isinstance(health.get("site"), dict) else {}


def thing(station: Station) -> dict[str, Any]:
    site = _health(station)
    link = _quoted("Things", station.id)
    return {"@iot.id": station.id, "@iot.selfLink": link, "name": site.get("name_vi") or station.site_id,
            "description": "Trạm Công dân số / Digital Citizen Station",
            "properties": {"site_id": station.site_id, "province": site.get("province", ""),
                           "ward": site.get("ward", "")},
            "Locations@iot.navigationLink": f"{link}/Locations", "Datastreams@iot.navigationLink": f"{link}/Datastreams"}


def location(station: Station) -> dict[str, Any] | None:
    site = _health(station)
    lat, lon = site.get("latitude"), site.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    link = _quoted("Locations", station.id)
    return {"@iot.id": station.id, "@iot.selfLink": link, "name": site.get("name_vi") or station.site_id,
            "description": site.get("ward", ""), "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "Things@iot.navigationLink": f"{link}/Things"}


def sensor(kind: str) -> dict[str, Any]:
    name, metadata = SENSORS.get(kind, (kind, ""))
    return {"@iot.id": kind, "@iot.selfLink": _quoted("Sensors", kind), "name": kind, "description": name,
            "encodingType": "text/html", "metadata": metadata}


def observed_property(quantity: str) -> dict[str, Any]:
    name, definition = PROPERTIES.get(quantity, (quantity, ""))
    return {"@iot.id": quantity, "@iot.selfLink": _quoted("ObservedProperties", quantity), "name": quantity,
            "description": name, "definition": definition}


def datastream(key: tuple[str, str, str, str]) -> dict[str, Any]:
    station_id, kind, quantity, unit = key
    ident = f"{station_id}.{kind}.{quantity}"
    link = _quoted("Datastreams", ident)
    return {"@iot.id": ident, "@iot.selfLink": link, "name": f"{quantity} @ {station_id}",
            "description": PROPERTIES.get(quantity, (quantity,))[0],
            "unitOfMeasurement": {"name": unit, "symbol": unit, "definition": ""},
            "observationType": OM_MEASUREMENT,
            "Thing@iot.navigationLink": f"{link}/Thing", "Sensor@iot.navigationLink": f"{link}/Sensor",
            "ObservedProperty@iot.navigationLink": f"{link}/ObservedProperty",
            "Observations@iot.navigationLink": f"{link}/Observations"}


def observation(row: Observation) -> dict[str, Any]:
    link = f"{_base()}/Observations({row.id})"
    return {"@iot.id": row.id, "@iot.selfLink": link, "phenomenonTime": _iso(row.phenomenon_time),
            "resultTime": _iso(row.phenomenon_time), "result": row.value,
            "Datastream@iot.navigationLink": f"{link}/Datastream"}


def _datastream_keys(station_id: str | None = None) -> list[tuple[str, str, str, str]]:
    query = Observation.select(Observation.station_id, Observation.sensor, Observation.quantity,
                               Observation.unit).distinct()
    if station_id is not None:
        query = query.where(Observation.station_id == station_id)
    return sorted(query.tuples())


def _datastream_key(ident: str) -> tuple[str, str, str, str] | None:
    parts = ident.split(".")
    if len(parts) != 3:
        return None
    found = [k for k in _datastream_keys(parts[0]) if k[1] == parts[1] and k[2] == parts[2]]
    return found[0] if found else None


def _page(items: list[Any] | None = None, query: Any = None, render: Any = None) -> Response:
    """A collection answer with $top/$skip/$count and @iot.nextLink."""
    try:
        top = min(MAX_TOP, max(0, int(request.args.get("$top", "100"))))
        skip = max(0, int(request.args.get("$skip", "0")))
    except ValueError:
        return _error(400, "$top and $skip are whole numbers")
    if query is not None:
        total = query.count() if request.args.get("$count") == "true" else None
        rows = [render(r) for r in query.offset(skip).limit(top + 1)]
    else:
        total = len(items) if request.args.get("$count") == "true" else None
        rows = items[skip:skip + top + 1]
    answer: dict[str, Any] = {}
    if total is not None:
        answer["@iot.count"] = total
    if len(rows) > top:
        rows = rows[:top]
        args = {**request.args.to_dict(), "$skip": str(skip + top), "$top": str(top)}
        answer["@iot.nextLink"] = request.base_url + "?" + "&".join(f"{k}={v}" for k, v in args.items())
    answer["value"] = rows
    return jsonify(answer)


def _error(status: int, message: str) -> Response:
    response = jsonify(code=status, type="error", message=message)
    response.status_code = status
    return response


@sensorthings.after_request
def open_to_all(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@sensorthings.get("")
@sensorthings.get("/")
def service_root() -> Response:
    """The service document: the entity sets and the conformance classes served."""
    names = ("Things", "Locations", "Sensors", "ObservedProperties", "Datastreams", "Observations")
    return jsonify(value=[{"name": n, "url": f"{_base()}/{n}"} for n in names],
                   serverSettings={"conformance": ["http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                                                   "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
                                                   "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/top",
                                                   "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/skip",
                                                   "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/count"]})


@sensorthings.get("/<path:path>")
def resource(path: str) -> Response:  # one dispatch table for the resource paths
    """Entity sets, single entities and navigation links (see the module docstring)."""
    match = _PATH.match(path)
    if not match:
        return _error(404, "no such resource path")
    entity_set, text_id, number_id, navigation = match.groups()
    ident = text_id if text_id is not None else number_id
    stations = {s.id: s for s in Station.select().where(Station.revoked_at.is_null())}
    if ident is None:
        if navigation:
            return _error(404, "navigation needs an entity id")
        if entity_set == "Things":
            return _page([thing(s) for s in stations.values()])
        if entity_set == "Locations":
            return _page([loc for s in stations.values() if (loc := location(s)) is not None])
        if entity_set == "Sensors":
            return _page([sensor(k) for k in sorted({k[1] for k in _datastream_keys()})])
        if entity_set == "ObservedProperties":
            return _page([observed_property(q) for q in sorted({k[2] for k in _datastream_keys()})])
        if entity_set == "Datastreams":
            return _page([datastream(k) for k in _datastream_keys() if k[0] in stations])
        return _page(query=Observation.select().order_by(Observation.phenomenon_time.desc(), Observation.id.desc()),
                     render=observation)
    if entity_set in ("Things", "Locations"):
        station = stations.get(ident)
        if station is None:
            return _error(404, "no such station")
        if entity_set == "Things" and navigation == "Datastreams":
            return _page([datastream(k) for k in _datastream_keys(station.id)])
        if entity_set == "Things" and navigation == "Locations" or entity_set == "Locations" and not navigation:
            found = location(station)
            if entity_set == "Things":
                return _page([found] if found else [])
            return jsonify(found) if found else _error(404, "this station has no coordinates")
        if entity_set == "Locations" and navigation == "Things" or entity_set == "Things" and not navigation:
            return jsonify(thing(station))
        return _error(404, "no such navigation")
    if entity_set == "Sensors" and not navigation:
        return jsonify(sensor(ident)) if ident in {k[1] for k in _datastream_keys()} else _error(404, "no such sensor")
    if entity_set == "ObservedProperties" and not navigation:
        return jsonify(observed_property(ident)) if ident in {k[2] for k in _datastream_keys()} \
            else _error(404, "no such observed property")
    if entity_set == "Datastreams":
        key = _datastream_key(ident)
        if key is None or key[0] not in stations:
            return _error(404, "no such datastream")
        if not navigation:
            return jsonify(datastream(key))
        if navigation == "Observations":
            return _page(query=Observation.select().where(
                Observation.station_id == key[0], Observation.sensor == key[1], Observation.quantity == key[2])
                .order_by(Observation.phenomenon_time.desc(), Observation.id.desc()), render=observation)
        if navigation == "Thing":
            return jsonify(thing(stations[key[0]]))
        if navigation == "Sensor":
            return jsonify(sensor(key[1]))
        if navigation == "ObservedProperty":
            return jsonify(observed_property(key[2]))
        return _error(404, "no such navigation")
    if entity_set == "Observations" and number_id is not None:
        row = Observation.get_or_none(Observation.id == int(number_id))
        if row is None or row.station_id not in stations:
            return _error(404, "no such observation")
        if navigation == "Datastream":
            return jsonify(datastream((row.station_id, row.sensor, row.quantity, row.unit)))
        return jsonify(observation(row)) if not navigation else _error(404, "no such navigation")
    return _error(404, "no such resource")
