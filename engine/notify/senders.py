"""Senders, one per channel: SMTP for email, a pluggable SMS sender, and the file sender (var/outbox.log)
that is the default of every channel so the demo works offline. Configured from MOTCUA_* variables."""

from __future__ import annotations

import hashlib
import importlib
import os
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Callable, Mapping, Protocol

from engine.enums import NotificationChannel
from engine.errors import InvalidInput

DEFAULT_OUTBOX_LOG = "var/outbox.log"
DEFAULT_SMTP_TIMEOUT = 10.0
SMTP_SECURITY = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
FILE_SENDER = "file"


@dataclass(frozen=True)
class OutboundMessage:
    id: int
    key: str
    channel: str
    recipient: str
    subject: str
    body: str


class DeliveryError(Exception):
    """A message could not be handed over; the worker retries it later."""


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> None:
        """Hand the message over or raise (any exception counts as a failed attempt)."""


class FileSender:
    """Appends each message to a log file (one block per message): the console channel, and the offline
    stand-in for email and SMS."""

    def __init__(self, path: str | Path = DEFAULT_OUTBOX_LOG):
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, message: OutboundMessage) -> None:
        block = (f"=== {message.channel} → {message.recipient} [{message.key}]\n"
                 f"Tiêu đề: {message.subject}\n{message.body}\n\n")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(block)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "motcua@localhost"
    timeout: float = DEFAULT_SMTP_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings:
        security = env.get("MOTCUA_SMTP_SECURITY", "starttls").lower()
        if security not in SMTP_SECURITY:
            raise InvalidInput(f"MOTCUA_SMTP_SECURITY phải là một trong {', '.join(SMTP_SECURITY)}.",
                               message_en=f"MOTCUA_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}.")
        port = _number(env, "MOTCUA_SMTP_PORT", SMTP_DEFAULT_PORTS[security], int)
        timeout = _number(env, "MOTCUA_SMTP_TIMEOUT", DEFAULT_SMTP_TIMEOUT, float)
        return cls(host=env["MOTCUA_SMTP_HOST"], port=port, security=security,
                   username=env.get("MOTCUA_SMTP_USER") or None, password=env.get("MOTCUA_SMTP_PASSWORD") or None,
                   sender=env.get("MOTCUA_SMTP_FROM", "motcua@localhost"), timeout=timeout)


def _number(env: Mapping[str, str], name: str, default, kind):
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        number = kind(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise InvalidInput(f"{name} phải là số dương, nhận được '{value}'.",
                           message_en=f"{name} must be a positive number, got '{value}'.")
    return number


class SmtpSender:
    """Email through an SMTP server. The Message-ID is derived from the outbox key, so a message sent
    twice (a worker died between sending and recording it) is recognisable as the same message."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def build(self, message: OutboundMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
        email["Message-ID"] = f"<{digest}@motcua>"
        email.set_content(message.body)
        return email

    def send(self, message: OutboundMessage) -> None:
        s = self.settings
        if s.security == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            if s.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, s.password or "")
            client.send_message(self.build(message))


class SenderRegistry:
    def __init__(self, senders: Mapping[str, Sender]):
        self._senders = dict(senders)

    def for_channel(self, channel: str) -> Sender:
        sender = self._senders.get(channel)
        if sender is None:
            raise DeliveryError(f"no sender configured for channel '{channel}'")
        return sender


def _plugin(spec: str, env: Mapping[str, str]) -> Sender:
    """``package.module:factory``: the factory receives the environment and returns a Sender."""
    module_name, _, attribute = spec.partition(":")
    try:
        factory: Callable[[Mapping[str, str]], Sender] = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise InvalidInput(f"Không nạp được bộ gửi SMS '{spec}': {error}",
                           message_en=f"Cannot load the SMS sender '{spec}': {error}") from None
    return factory(env)


def senders_from_env(env: Mapping[str, str] | None = None) -> SenderRegistry:
    """Email by SMTP when MOTCUA_SMTP_HOST is set, SMS by MOTCUA_SMS_SENDER (``module:factory``); every
    channel falls back to the file sender at MOTCUA_OUTBOX_LOG (default var/outbox.log)."""
    env = os.environ if env is None else env
    file_sender = FileSender(env.get("MOTCUA_OUTBOX_LOG") or DEFAULT_OUTBOX_LOG)
    email = SmtpSender(SmtpSettings.from_env(env)) if env.get("MOTCUA_SMTP_HOST") else file_sender
    sms_spec = env.get("MOTCUA_SMS_SENDER") or FILE_SENDER
    sms = file_sender if sms_spec == FILE_SENDER else _plugin(sms_spec, env)
    return SenderRegistry({NotificationChannel.EMAIL.value: email, NotificationChannel.SMS.value: sms,
                           NotificationChannel.CONSOLE.value: file_sender})
