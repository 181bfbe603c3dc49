"""The demo: an organisation with one user per role, the packages of processes/ published, and a dossier
walked through every step. Demo passwords are generated on each run and are for demos only.
May import every engine package except engine.cli."""
