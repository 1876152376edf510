"""The bundled demo: a fictional "Acme Shop API", its live version with drift, and ``cassettes demo``."""
