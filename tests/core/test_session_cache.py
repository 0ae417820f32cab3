"""Session rows kept in the serving process (core.session_cache): fewer reads, never a revived session."""

import flask_login

from core.identity.models import Citizen
from core.session_cache import SessionRowCache, forget_all_cached_sessions
from core.sessions import COOKIE_NAME, ServerSessionInterface, WebSession, end_sessions_of

ROW = ('{"_user_id": "c:1"}', 100.0, 100.0)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_row_is_used_for_max_age_seconds_then_read_again():
    clock = Monotonic()
    cache = SessionRowCache(max_age=1.0, monotonic=clock)
    cache.keep_read(cache.before_read(), "h1", ROW)
    clock.now += 0.9
    assert cache.get("h1") == ROW
    clock.now += 0.2
    assert cache.get("h1") is None


def test_a_read_that_raced_a_change_is_not_kept():
    cache = SessionRowCache()
    token = cache.before_read()
    cache.dropped("h1")  # e.g. logout in another thread while this one was reading the old row
    cache.keep_read(token, "h1", ROW)
    assert cache.get("h1") is None
    cache.keep_read(cache.before_read(), "h1", ROW)
    assert cache.get("h1") == ROW


def test_writes_replace_and_the_oldest_row_goes_first_when_full():
    cache = SessionRowCache(max_rows=2)
    cache.wrote("h1", ROW)
    cache.wrote("h2", ROW)
    cache.wrote("h1", ("{}", 1.0, 2.0))  # rewritten: now the newest
    cache.wrote("h3", ROW)
    assert cache.get("h2") is None
    assert cache.get("h1") == ("{}", 1.0, 2.0) and cache.get("h3") == ROW


def test_forget_all_clears_every_cache_of_the_process():
    first, second = SessionRowCache(), SessionRowCache()
    first.wrote("h1", ROW)
    second.wrote("h2", ROW)
    forget_all_cached_sessions()
    assert first.get("h1") is None and second.get("h2") is None


def test_page_views_of_a_session_read_its_row_once(example_station, login_citizen, monkeypatch):
    client = example_station.test_client()
    login_citizen(client)
    reads = []
    lookup = ServerSessionInterface._lookup
    monkeypatch.setattr(ServerSessionInterface, "_lookup", staticmethod(lambda h: reads.append(h) or lookup(h)))
    for _ in range(10):
        assert client.get("/s/fx_example/").status_code == 200
    assert len(reads) <= 1


def test_a_session_ended_by_another_process_stops_within_a_second(example_station, login_citizen):
    clock = Monotonic()
    example_station.session_interface.rows = SessionRowCache(monotonic=clock)
    client = example_station.test_client()
    login_citizen(client)
    assert client.get("/s/fx_example/").status_code == 200
    with example_station.app_context():  # what `station` commands in another process do: delete the row
        WebSession.delete().execute()
    clock.now += 1.1
    response = client.get("/s/fx_example/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sessions_ended_in_this_process_stop_at_once(example_station, login_citizen):
    client = example_station.test_client()
    citizen_id = login_citizen(client)
    assert client.get("/s/fx_example/").status_code == 200  # the row is cached now
    with example_station.app_context():
        assert end_sessions_of(f"c:{citizen_id}") == 1
    response = client.get("/s/fx_example/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_remember_me_cookie_signed_with_the_station_key_logs_nobody_in(example_station, station_clock):
    """The station issues no remember-me cookie; one left in (or planted on) the kiosk's browser
    must not open a citizen's session (flask-login would accept it by default)."""
    with example_station.test_request_context():
        citizen = Citizen.create(id_hash="b" * 64, created_at=station_clock())
        cookie = flask_login.utils.encode_cookie(f"c:{citizen.id}")
    client = example_station.test_client()
    client.set_cookie("remember_token", cookie)
    response = client.get("/s/fx_example/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get_cookie(COOKIE_NAME) is None
