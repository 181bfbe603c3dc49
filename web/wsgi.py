"""The WSGI application for a process manager such as gunicorn: ``gunicorn -c deploy/gunicorn.conf.py``.

Each worker process builds its own app (and database pool) when it imports this module; never preload it
into a master that forks, or the workers would share the master's database connections.
"""

from web import create_app

app = create_app()
