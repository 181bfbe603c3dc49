"""Notifications: an outbox table written inside the use case's transaction (engine.notify.outbox),
pluggable senders per channel (engine.notify.senders), and delivery by the worker with retries and
exponential backoff (engine.notify.delivery)."""
