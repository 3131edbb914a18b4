"""Logging in and out, CSRF on every form, the language switch."""
import pytest

from casework.extensions import db
from tests.helpers import PASSWORD, bearer, new_user
from tests.browser import Browser, browser, text  # noqa: F401


def test_login_page_renders_with_csrf(browser):
    response = browser().get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in text(response)


def test_anonymous_is_sent_to_login(browser):
    response = browser().get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_ok_shows_user_in_nav(browser):
    user = new_user("organiser", "LDLD-79", name="Nguyễn Thị Lan", password=PASSWORD)
    b = browser()
    response = b.login(user)
    assert response.status_code == 302
    page = text(b.get("/"))
    assert "Nguyễn Thị Lan" in page
    assert "LDLD-79" in page
    assert "/cases?organiser=me" in page  # My cases
    assert "/cases/new" in page
    assert "/admin/" not in page


def test_login_wrong_password(browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser()
    response = b.login(user, password="not-the-password")
    assert response.status_code == 200
    assert "Wrong email or password." in text(response)
    assert user.email in text(response)  # what was typed is kept
    assert b.get("/cases").status_code == 302


def test_inactive_user_cannot_log_in(browser):
    from casework.extensions import db
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    user.active = False
    db.session.commit()
    assert browser().login(user).status_code == 200


def test_logout_is_a_post_with_csrf(browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(user)
    assert b.get("/logout").status_code == 405
    response = b.submit("/cases", {}, post_url="/logout")
    assert response.status_code == 302
    assert b.get("/cases").status_code == 302  # logged out


def test_post_without_csrf_token_is_refused(browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(user)
    assert b.post("/logout").status_code == 400
    response = b.post("/cases/new", data={"kind": "grassroots"})
    assert response.status_code == 400
    assert b.post("/login", data={"email": user.email, "password": "x"}).status_code == 400


def switch_language(b, lang: str, page: str = "/cases"):
    """Clicks the language entry of the menu on `page`: a small form posting its CSRF token."""
    return b.submit(page, {}, post_url=f"/language/{lang}")


def test_language_switch_sets_cookie_and_returns_to_the_page(browser):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    response = switch_language(b, "en", "/cases?state=identified")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases?state=identified"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert b.get("/cases").status_code == 200
    token = b.token("/cases")
    for elsewhere in ("https://attacker.example/", "//attacker.example/"):
        response = b.post("/language/vi", data={"csrf_token": token, "next": elsewhere})
        assert response.headers["Location"] == "/cases", elsewhere


def test_the_chosen_language_follows_the_user_to_another_device(browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    laptop = browser(user)
    switch_language(laptop, "vi")
    db.session.refresh(user)
    assert user.language == "vi"

    phone = browser(user)  # a new browser: no language cookie
    assert "Đăng xuất" in text(phone.get("/cases"))


def test_the_language_switch_is_a_post_with_csrf(browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(user)
    assert b.get("/language/vi").status_code == 405
    assert b.post("/language/vi").status_code == 400           # no CSRF token: a forged link
    db.session.refresh(user)
    assert user.language is None
    assert "Set-Cookie" not in b.last.headers or "lang=" not in b.last.headers["Set-Cookie"]
    # the login page offers the same one-click forms to someone not signed in
    anonymous = browser()
    response = switch_language(anonymous, "en", "/login")
    assert response.status_code == 302 and "lang=en" in response.headers["Set-Cookie"]


def test_the_language_cookie_is_secure_when_the_session_cookie_is(app, browser, monkeypatch):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    assert "Secure" not in switch_language(b, "en").headers["Set-Cookie"]
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)   # as in production
    assert "Secure" in switch_language(b, "vi").headers["Set-Cookie"]


# --- a session ends on logout, on a password change and on deactivation -------------------------

def stolen_copy(app, b):
    """Another browser holding a copy of `b`'s session cookie, as an attacker would."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = Browser(app)
    thief.client.set_cookie(name, b.client.get_cookie(name).value)
    return thief


def test_a_copied_session_cookie_is_dead_after_logout(app, browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    headers = bearer(user)
    b = browser(user)
    thief = stolen_copy(app, b)
    assert thief.get("/cases").status_code == 200
    assert b.submit("/cases", {}, post_url="/logout").status_code == 302
    response = thief.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert browser(user).get("/cases").status_code == 200          # logging in again works
    assert b.client.get("/api/v1/cases", headers=headers).status_code == 200  # tokens live on


def test_a_password_change_by_an_administrator_ends_the_users_sessions(app, browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    admin = new_user("admin", "VGCL", password=PASSWORD)
    b = browser(user)
    assert b.get("/cases").status_code == 200
    admin_browser = browser(admin)
    response = admin_browser.submit(f"/admin/users/{user.id}", {
        "name": user.name, "role": "organiser", "unit": "LDLD-79", "active": "y",
        "password": "a new long passphrase 2027"})
    assert response.status_code == 302, text(response)
    assert b.get("/cases").status_code == 302
    assert browser().login(user, "a new long passphrase 2027").status_code == 302
    assert admin_browser.get("/cases").status_code == 200


def test_administrators_changing_their_own_password_stay_signed_in_here_only(app, browser):
    admin = new_user("admin", "VGCL", password=PASSWORD)
    b = browser(admin)
    elsewhere = stolen_copy(app, b)
    response = b.submit(f"/admin/users/{admin.id}", {
        "name": admin.name, "role": "admin", "unit": "VGCL", "active": "y",
        "password": "a new long passphrase 2027"})
    assert response.status_code == 302, text(response)
    assert b.get("/cases").status_code == 200
    assert elsewhere.get("/cases").status_code == 302


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, browser):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    admin_browser = browser(new_user("admin", "VGCL", password=PASSWORD))
    b = browser(user)
    fields = {"name": user.name, "role": "organiser", "unit": "LDLD-79", "password": ""}
    assert admin_browser.submit(f"/admin/users/{user.id}", fields).status_code == 302
    assert b.get("/cases").status_code == 302
    assert admin_browser.submit(f"/admin/users/{user.id}",
                                {**fields, "active": "y"}).status_code == 302
    assert b.get("/cases").status_code == 302
    assert browser(user).get("/cases").status_code == 200


def test_a_session_of_the_old_form_without_a_generation_is_refused(app):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    client = Browser(app)
    with client.client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert client.get("/cases").status_code == 302


# --- the login takes as long whether the email exists or not ------------------------------------

@pytest.fixture
def password_checks(monkeypatch):
    """Every check_password_hash the login runs, with the hash it was given."""
    from casework.models import user as user_module
    seen = []
    real = user_module.check_password_hash

    def spy(hashed, password):
        seen.append(hashed)
        return real(hashed, password)
    monkeypatch.setattr(user_module, "check_password_hash", spy)
    return seen


def test_every_login_attempt_hashes_the_password_once(browser, password_checks):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    gone = new_user("organiser", "LDLD-79", password=PASSWORD)
    gone.active = False
    db.session.commit()
    attempts = [("nobody@test.vn", PASSWORD, 200), (gone.email, PASSWORD, 200),
                (user.email, "not-the-password", 200), (user.email, PASSWORD, 302)]
    for email, password, status in attempts:
        password_checks.clear()
        assert browser().login(email, password).status_code == status, email
        assert len(password_checks) == 1, email
        # the unknown email is checked against a hash made like a real one
        assert password_checks[0].split("$")[0] == user.password_hash.split("$")[0]

def test_a_leader_lands_on_the_pipeline(browser):
    """After logging in and on `/`, a leader sees the pipeline; the others the case list."""
    leader = new_user("leader", "LDLD-79", password=PASSWORD)
    b = browser()
    response = b.login(leader)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/leadership/pipeline")
    home = b.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/leadership/pipeline")
    assert b.get("/login").headers["Location"].endswith("/leadership/pipeline")
    assert b.get("/cases").status_code == 200          # the list is still a click away
    # a leader sent to the login page from a given page goes back to it
    other = browser()
    other.get("/login?next=/visits/")
    response = other.submit("/login?next=/visits/", {"email": leader.email,
                                                      "password": PASSWORD})
    assert response.headers["Location"].endswith("/visits/")


def test_an_organiser_still_lands_on_the_case_list(browser):
    b = browser()
    response = b.login(new_user("organiser", "LDLD-79", password=PASSWORD))
    assert response.headers["Location"].endswith("/cases") or \
        response.headers["Location"].endswith("/")
    assert b.get("/").status_code == 200
