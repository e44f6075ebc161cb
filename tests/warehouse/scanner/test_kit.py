"""The scanner kit: the menu registry, the page, and the view helper's answers."""

import json

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from hub.core.errors import DomainError
from tests import factories
from warehouse.models import ScanRequest
from warehouse.scanner import kit, menu


@pytest.fixture
def users(tenant):
    return {role: factories.make_user(tenant, role, username=f"acme.{role}") for role in ("admin", "picker", "finance")}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_menu_lists_the_registered_flows_a_role_may_open_in_order(users):
    picker = [flow.key for flow in menu.flows_for(users["picker"])]
    finance = [flow.key for flow in menu.flows_for(users["finance"])]

    assert picker.index("receive") < picker.index("putaway") < picker.index("lookup")
    assert "lookup" in finance and "receive" not in finance and "putaway" not in finance


def test_registering_a_flow_again_replaces_it(users, monkeypatch):
    monkeypatch.setattr(menu, "_flows", {})
    menu.register(menu.Flow("count", "Count", "/scan/count/", order=40))
    menu.register(menu.Flow("count", "Cycle count", "/scan/count/", order=40))

    assert [(flow.label, flow.url) for flow in menu.flows_for(users["picker"])] == [("Cycle count", "/scan/count/")]


def test_the_menu_page_shows_the_flows_as_buttons_for_a_picker(users):
    page = logged_in(users["picker"]).get("/scan/").content.decode()

    assert 'href="/scan/receive/"' in page and 'href="/scan/putaway/"' in page and 'href="/scanner/"' in page
    assert 'id="sk-scan" class="sk-scan" hidden' in page  # a menu of buttons, no scan field
    assert "Dashboard" not in page  # a picker has no office pages
    assert 'formaction="/logout/"' in page
    assert "Dashboard" in logged_in(users["admin"]).get("/scan/").content.decode()


def test_the_menu_needs_a_signed_in_user(client, db):
    assert client.get("/scan/")["Location"].startswith("/login/")


def test_a_scan_page_is_ready_for_a_wedge_scanner_and_a_page_without_javascript(users, tenant):
    factories.make_warehouse(tenant, "PNQ1")
    page = logged_in(users["picker"]).get("/scan/receive/").content.decode()

    assert 'inputmode="none"' in page and "autofocus" in page and 'enterkeyhint="go"' in page
    assert '<button type="button" id="sk-camera" class="sk-icon" hidden' in page  # shown by JS where BarcodeDetector is
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="key" value="' in page  # a key for a form post without JavaScript
    assert 'href="/scan/"' in page  # back to the menu
    assert "scanner/scanner.js" in page and "scanner/scanner.css" in page
    assert "cdn" not in page.lower()


# The view helper ---------------------------------------------------------------------------------------------


def request_for(user, body=None, *, json_answer=True, key=None):
    headers = {"Accept": "application/json"} if json_answer else {}
    if key:
        headers["Idempotency-Key"] = key
    if isinstance(body, dict):
        request = RequestFactory().post("/scan/x/", json.dumps(body), content_type="application/json", headers=headers)
    else:
        request = RequestFactory().post("/scan/x/", body or "", content_type="application/json", headers=headers)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


SCREEN = kit.Screen(title="Test", template="scanner/menu.html", action="/scan/x/", prompt="Scan it",
                    context={"flows": []})  # fmt: skip


def test_run_answers_once_per_key_and_replays(users):
    calls = []

    def work(key):
        calls.append(key)
        return {"ok": True, "message": f"done {len(calls)}"}

    first = kit.run(request_for(users["picker"], {"code": "A"}, key="k-1"), "test.scan", work)
    again = kit.run(request_for(users["picker"], {"code": "A"}, key="k-1"), "test.scan", work)

    assert first == ({"ok": True, "message": "done 1", "replayed": False}, 200)
    assert again == ({"ok": True, "message": "done 1", "replayed": True}, 200)
    assert calls == ["k-1"]
    assert ScanRequest.objects.get().user == users["picker"]


def test_run_takes_the_key_from_the_body_and_refuses_without_one(users):
    assert kit.run(request_for(users["picker"], {"key": "body-key"}), "t", lambda key: {"ok": True, "message": key})[0][
        "message"
    ] == "body-key"

    answer, status = kit.run(request_for(users["picker"], {"code": "A"}), "t", lambda key: {"ok": True})

    assert status == 400
    assert answer["ok"] is False and answer["code"] == "idempotency_key_required" and answer["field"] == "key"


def test_a_refusal_is_an_answer_with_the_errors_status_and_stores_nothing(users):
    def refuse(key):
        raise DomainError("Wrong bin: scan A-01.", field="code", code="wrong_bin")

    answer, status = kit.run(request_for(users["picker"], {}, key="k-2"), "t", refuse)

    assert (answer, status) == ({"ok": False, "message": "Wrong bin: scan A-01.", "code": "wrong_bin", "field": "code"}, 400)
    assert not ScanRequest.objects.exists()


def test_a_body_that_is_not_a_json_object_reads_as_no_fields(users):
    assert kit.payload(request_for(users["picker"], "not json")) == {}
    assert kit.payload(request_for(users["picker"], "[1, 2]")) == {}


def test_respond_gives_the_script_json_with_the_next_screen(users):
    response = kit.respond(request_for(users["picker"], {}), SCREEN, {"ok": True, "message": "Fine"})

    body = json.loads(response.content)
    assert body | {"html": None} == {
        "ok": True, "message": "Fine", "title": "Test", "prompt": "Scan it", "action": "/scan/x/", "scan": True,
        "html": None,
    }  # fmt: skip
    assert "No scanner flows are open to your role." in body["html"]


def test_respond_renders_the_whole_page_without_javascript(users):
    response = kit.respond(request_for(users["picker"], {}, json_answer=False), SCREEN, {"ok": False, "message": "No"}, status=400)

    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-scan-state="error"' in page and ">No</p>" in page and "<h1 id=\"sk-title\" class=\"sk-title\">Test</h1>" in page


def test_a_redirect_carries_its_message_to_the_next_page(users):
    request = request_for(users["picker"], {})
    response = kit.respond(request, SCREEN, {"ok": True, "message": "Started GRN-1", "redirect": "/scan/next/"})

    assert json.loads(response.content) == {"ok": True, "message": "Started GRN-1", "redirect": "/scan/next/"}
    assert [str(message) for message in request._messages] == ["Started GRN-1"]

    plain = kit.respond(request_for(users["picker"], {}, json_answer=False), SCREEN, {"ok": True, "redirect": "/x/"})
    assert (plain.status_code, plain["Location"]) == (302, "/x/")
