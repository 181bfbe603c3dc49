"""The password policy, in one place (the command line, the engine's use cases and any page that sets a
password call ``check_password``): at least MIN_PASSWORD_LENGTH characters, not one of the common passwords
shipped with the package (engine/org/data/common_passwords.txt, no network), not the user name."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from engine.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = "common_passwords.txt"
MIN_NAME_IN_PASSWORD = 4  # shorter user names occur in passwords by chance


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("engine.org").joinpath("data", COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> InvalidInput | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
                            message_en=f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
                            details={"password": ["too_short"]})
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 3:
        return InvalidInput("Mật khẩu quá phổ biến, dễ bị đoán: hãy chọn mật khẩu khác.",
                            message_en="This password is too common and easily guessed: choose another.",
                            details={"password": ["too_common"]})
    if len(username.strip()) >= MIN_NAME_IN_PASSWORD and username.strip().casefold() in folded:
        return InvalidInput("Mật khẩu không được chứa tên đăng nhập.",
                            message_en="The password must not contain the user name.",
                            details={"password": ["contains_username"]})
    return None


def check_password(password: str, username: str = "") -> None:
    """InvalidInput (Vietnamese first) when ``password`` breaks the policy."""
    if (problem := password_problem(password, username)) is not None:
        raise problem
