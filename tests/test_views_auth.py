"""Logging in and out, CSRF on every form, the language switch."""
from casework.extensions import db
from test_views_support import PASSWORD, browser, text  # noqa: F401


def test_login_page_renders_with_csrf(browser):
    response = browser().get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in text(response)


def test_anonymous_is_sent_to_login(browser):
    response = browser().get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_ok_shows_user_in_nav(browser, make_user):
    user = make_user("organiser", "LDLD-79", name="Nguyễn Thị Lan")
    b = browser()
    response = b.login(user)
    assert response.status_code == 302
    page = text(b.get("/"))
    assert "Nguyễn Thị Lan" in page
    assert "LDLD-79" in page
    assert "/cases?organiser=me" in page  # My cases
    assert "/cases/new" in page
    assert "/admin/" not in page


def test_login_wrong_password(browser, make_user):
    user = make_user("organiser", "LDLD-79")
    b = browser()
    response = b.login(user, password="not-the-password")
    assert response.status_code == 200
    assert "Wrong email or password." in text(response)
    assert user.email in text(response)  # what was typed is kept
    assert b.get("/cases").status_code == 302


def test_inactive_user_cannot_log_in(browser, make_user):
    from casework.extensions import db
    user = make_user("organiser", "LDLD-79")
    user.active = False
    db.session.commit()
    assert browser().login(user).status_code == 200


def test_logout_is_a_post_with_csrf(browser, make_user):
    user = make_user("organiser", "LDLD-79")
    b = browser(user)
    assert b.get("/logout").status_code == 405
    response = b.submit("/cases", {}, post_url="/logout")
    assert response.status_code == 302
    assert b.get("/cases").status_code == 302  # logged out


def test_post_without_csrf_token_is_refused(browser, make_user):
    user = make_user("organiser", "LDLD-79")
    b = browser(user)
    assert b.post("/logout").status_code == 400
    response = b.post("/cases/new", data={"kind": "grassroots"})
    assert response.status_code == 400
    assert b.post("/login", data={"email": user.email, "password": "x"}).status_code == 400


def test_language_switch_sets_cookie(browser, make_user):
    b = browser(make_user("organiser", "LDLD-79"))
    response = b.get("/language/en", headers={"Referer": "http://localhost/cases"})
    assert response.status_code == 302
    assert "lang=en" in response.headers["Set-Cookie"]
    assert b.get("/cases").status_code == 200


def test_the_chosen_language_follows_the_user_to_another_device(browser, make_user):
    user = make_user("organiser", "LDLD-79")
    laptop = browser(user)
    laptop.get("/language/vi")
    db.session.refresh(user)
    assert user.language == "vi"

    phone = browser(user)  # a new browser: no language cookie
    assert "Đăng xuất" in text(phone.get("/cases"))


def test_a_leader_lands_on_the_pipeline(browser, make_user):
    """After logging in and on `/`, a leader sees the pipeline; the others the case list."""
    leader = make_user("leader", "LDLD-79")
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


def test_an_organiser_still_lands_on_the_case_list(browser, make_user):
    b = browser()
    response = b.login(make_user("organiser", "LDLD-79"))
    assert response.headers["Location"].endswith("/cases") or \
        response.headers["Location"].endswith("/")
    assert b.get("/").status_code == 200
