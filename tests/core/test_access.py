"""Route protection: login, permissions, assurance, step-up, CSRF, disabled plugins."""


def test_protected_plugin_page_needs_login(example_station):
    response = example_station.test_client().get("/s/fx_example/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert "thẻ căn cước gắn chip" in response.json["message"]  # Vietnamese unless English is chosen


def test_logged_in_citizen_with_permission_sees_the_page(example_station, login_citizen):
    client = example_station.test_client()
    citizen_id = login_citizen(client, assurance="basic")
    response = client.get("/s/fx_example/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"Xin chào citizen {citizen_id}"


def test_public_view_needs_no_login(example_station):
    assert example_station.test_client().get("/s/fx_example/open").get_data(as_text=True) == "public page"


def test_citizen_lacks_a_staff_permission(example_station, login_citizen):
    client = example_station.test_client()
    login_citizen(client)
    assert client.get("/s/fx_example/staff").status_code == 403


def test_staff_role_from_manifest_defaults_grants_access(example_station, login_staff):
    client = example_station.test_client()
    login_staff(client, roles=("pharmacist",))
    assert client.get("/s/fx_example/staff").get_data(as_text=True) == "staff ok"


def test_site_roles_override_manifest_defaults(make_station, fixture_plugins_dir, login_staff):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                       roles={"operator": ["fx_example.staff"]})
    client = app.test_client()
    login_staff(client, roles=("pharmacist",))
    assert client.get("/s/fx_example/staff").status_code == 403
    login_staff(client, roles=("operator",))
    assert client.get("/s/fx_example/staff").status_code == 200


def test_basic_assurance_is_refused_where_high_is_needed(example_station, login_citizen):
    client = example_station.test_client()
    login_citizen(client, assurance="basic")
    response = client.get("/s/fx_example/sensitive")
    assert response.status_code == 403
    assert "xác thực danh tính mức cao hơn" in response.get_data(as_text=True)


def test_step_up_expires_after_the_window(example_station, login_citizen, station_clock):
    client = example_station.test_client()
    login_citizen(client, assurance="high")
    assert client.get("/s/fx_example/sensitive").status_code == 200
    station_clock.advance(100)
    assert client.get("/s/fx_example/").status_code == 200  # keeps the session alive
    station_clock.advance(30)  # 130 s since verification > 120 s window
    response = client.get("/s/fx_example/sensitive")
    assert response.status_code == 302 and "step_up=1" in response.headers["Location"]
    api = client.get("/s/fx_example/sensitive", headers={"Accept": "application/json"})
    assert api.status_code == 401 and "xác thực lại" in api.json["message"]


def test_post_without_csrf_token_is_refused_and_writes_nothing(example_station, login_citizen, csrf_token):
    client = example_station.test_client()
    login_citizen(client)
    refused = client.post("/s/fx_example/notes", data={"text": "x"})
    assert refused.status_code == 400
    assert "không phải của trạm này" in refused.get_data(as_text=True)
    wrong = client.post("/s/fx_example/notes", data={"text": "x", "csrf_token": "forged"})
    assert wrong.status_code == 400
    import fx_example

    with example_station.app_context():
        assert fx_example.Note.select().count() == 0
    ok = client.post("/s/fx_example/notes", data={"text": "x"}, headers={"X-CSRF-Token": csrf_token(client)})
    assert ok.status_code == 201


def test_public_callback_can_opt_out_of_csrf(example_station):
    assert example_station.test_client().post("/s/fx_example/callback").status_code == 200


def test_disabling_a_plugin_takes_its_routes_and_tile_away(example_station, login_citizen):
    client = example_station.test_client()
    login_citizen(client)
    manager = example_station.extensions["station"].plugins
    with example_station.app_context():
        manager.set_enabled("fx_example", False, actor="test")
    assert client.get("/s/fx_example/").status_code == 404
    assert 'data-plugin="fx_example"' not in client.get("/").get_data(as_text=True)
    with example_station.app_context():
        manager.set_enabled("fx_example", True, actor="test")
    assert client.get("/s/fx_example/").status_code == 200


def test_unknown_page_gets_a_friendly_error_not_a_trace(example_station):
    response = example_station.test_client().get("/no/such/page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "Về trang chủ" in text
