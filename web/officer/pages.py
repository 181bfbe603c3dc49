"""Officers' sign-in and sign-out."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from engine.errors import AuthenticationFailed
from engine.org import directory as org
from web.auth import SessionUser
from web.extensions import limiter
from web.i18n import translate
from web.officer.blueprint import bp
from web.officer.common import ctx, safe_next
from web.officer.forms import LoginForm

BAD_LOGIN_VI = "Sai tên đăng nhập hoặc mật khẩu."


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("officer.inbox"))
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), url_for("officer.inbox"))
    if form.validate_on_submit():
        try:
            signed_in = org.sign_in(ctx(), form.username.data.strip(), form.password.data)
        except AuthenticationFailed:
            pass  # one generic message, whatever was wrong
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session for the signed-in officer
            if lang:
                session["lang"] = lang
            login_user(SessionUser(signed_in.actor, signed_in.session_generation))
            return redirect(next_url)
    if request.method == "POST":
        flash(translate(BAD_LOGIN_VI), "error")
    return render_template("officer/login.html", form=form, next_url=next_url), 200


@bp.post("/logout")
@login_required
def logout():
    org.sign_out(ctx(), current_user.actor)  # the cookie, even if kept, no longer signs anyone in
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(translate("Đã đăng xuất."), "success")
    return redirect(url_for("officer.login"))
