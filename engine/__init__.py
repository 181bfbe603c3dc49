"""motcua engine: the domain core (procedures, working time, dossiers). Never imports ``web``."""
