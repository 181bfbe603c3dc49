"""The records auditors and printers read (DOMAIN §4): the desk's forms 02–05, the control slip (Form 06),
the tracking book (Form 07), the logs auditors browse and the integrity checks (hash chains, read model).
May import: engine.quality and everything below it (dossiers, kpis, notify, procedures, org, clock, db)."""
