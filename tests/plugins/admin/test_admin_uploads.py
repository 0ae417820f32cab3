"""Attachments: content checks (sdk.uploads) and the one-time phone upload link."""

from __future__ import annotations

import io
import re

import pytest

from hal.sim.document_scanner import generated_page_jpeg, generated_page_pdf
from sdk.uploads import UploadRejected, check_upload, sniff_kind

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
       b"\x00\x00\x00\nIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_types_are_decided_by_content():
    assert sniff_kind(generated_page_jpeg()) == "jpeg" and sniff_kind(generated_page_pdf()) == "pdf"
    assert sniff_kind(PNG) == "png"
    assert sniff_kind(b"%PDF-1.4 but cut short") is None
    assert sniff_kind(generated_page_jpeg()[:200]) is None
    checked = check_upload(generated_page_jpeg(), filename="trang.JPG")
    assert (checked.kind, checked.mime_type, checked.width, checked.height) == ("jpeg", "image/jpeg", 400, 560)


@pytest.mark.parametrize("data, name, allowed, code", [
    (b"", "a.pdf", ("pdf",), "empty"),
    (b"MZ\x90\x00 not a document", "giay-to.pdf", ("pdf", "jpeg"), "unknown_type"),
    (generated_page_pdf(), "anh.jpg", ("jpeg", "pdf"), "name_mismatch"),
    (generated_page_pdf(), "giay.pdf", ("jpeg", "png"), "not_allowed"),
    (generated_page_jpeg(), "a.jpg", ("jpeg",), "too_large"),
])
def test_bad_files_are_refused_with_a_reason(data, name, allowed, code):
    with pytest.raises(UploadRejected) as caught:
        check_upload(data, filename=name, allowed=allowed, max_bytes=1000 if code == "too_large" else 10**6)
    assert caught.value.code == code


def _draft_with_link(app, kiosk, vneid_login, csrf_token):
    vneid_login(kiosk)
    started = kiosk.post("/s/admin/procedures/1.004222/start", data={"csrf_token": csrf_token(kiosk), "agree": "yes"})
    dossier_id = int(re.search(r"/dossiers/(\d+)/", started.headers["Location"]).group(1))
    page = kiosk.post(f"/s/admin/dossiers/{dossier_id}/documents/proof_of_residence/phone",
                      data={"csrf_token": csrf_token(kiosk)}).get_data(as_text=True)
    assert "<svg" in page
    link = re.search(r'id="upload-link">([^<]+)<', page).group(1)
    return dossier_id, link.replace("http://127.0.0.1:8080", "")


def test_phone_uploads_once_through_the_qr_link_with_its_own_csrf(admin_app, vneid_login, csrf_token):
    app = admin_app()
    kiosk = app.test_client()
    dossier_id, path = _draft_with_link(app, kiosk, vneid_login, csrf_token)
    assert re.fullmatch(r"/s/admin/upload/[A-Za-z0-9_-]{20,}", path)
    phone = app.test_client()
    assert "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp" in phone.get(path).get_data(as_text=True)
    file = {"file": (io.BytesIO(generated_page_pdf()), "hop-dong.pdf")}
    assert phone.post(path, data=file, content_type="multipart/form-data").status_code in (400, 403)
    done = phone.post(path, data={"csrf_token": csrf_token(phone), "file": (io.BytesIO(generated_page_pdf()),
                                                                            "hop-dong.pdf")},
                      content_type="multipart/form-data")
    assert done.status_code == 200 and 'id="phone-done"' in done.get_data(as_text=True)
    assert "application/pdf" in kiosk.get(f"/s/admin/dossiers/{dossier_id}/documents").get_data(as_text=True)
    again = phone.post(path, data={"csrf_token": csrf_token(phone), "file": (io.BytesIO(generated_page_pdf()),
                                                                             "x.pdf")},
                       content_type="multipart/form-data")
    assert again.status_code == 410 and phone.get(path).status_code == 410


def test_phone_link_expires_and_refuses_a_file_that_is_not_what_it_claims(admin_app, vneid_login, csrf_token,
                                                                           station_clock):
    app = admin_app(settings={"upload_link_minutes": 1})
    kiosk = app.test_client()
    _, path = _draft_with_link(app, kiosk, vneid_login, csrf_token)
    phone = app.test_client()
    bad = phone.post(path, data={"csrf_token": csrf_token(phone), "file": (io.BytesIO(b"<html>hi</html>"),
                                                                           "giay.pdf")},
                     content_type="multipart/form-data")
    assert bad.status_code == 400 and "không phải ảnh hoặc tài liệu" in bad.get_data(as_text=True)
    station_clock.advance(61)
    assert phone.get(path).status_code == 410
    assert app.test_client().get("/s/admin/upload/not-a-real-token").status_code == 410
