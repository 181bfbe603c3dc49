"""Working time (DOMAIN §5): the calendar (working days, periods, holidays, due instants, early / on time /
late), ISO 8601 working durations, and the working minutes stamped on finished steps and dossiers.
May import: engine.db and the shared modules only (calendar.py and durations.py are pure)."""
