"""What the background worker (``motcua worker``) does: the timer sweep (overdue steps, BPMN timers,
nonconformities) and escalation (reminders, overdue notices, apology prompts, flags).
May import: engine.design and everything below it (dossiers, kpis, notify, procedures, org, clock, db)."""
