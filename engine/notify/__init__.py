"""Notifications: an outbox table written inside the use case's transaction (engine.notify.outbox),
pluggable senders per channel (engine.notify.senders), and delivery by the worker with retries and
exponential backoff (engine.notify.delivery).
The citizen's notices live with the dossiers (engine.dossiers.notices, an event-log subscriber).
May import: engine.org, engine.context, engine.clock, engine.db and the shared modules."""
