"""ISO 9001 §10.2: nonconformities raised by late steps, their cause and corrective action, verification
and closure. May import: engine.worker (escalation settings) and everything below it."""
