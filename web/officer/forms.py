"""Flask-WTF forms of the officers' pages (the CSRF token comes with every FlaskForm)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])
