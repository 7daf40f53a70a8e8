"""The state inspector: a page at ``/`` and ``/__emulator/ui`` showing KV, D1 and the clock.

``routes`` serves the page and its static files; ``api`` adds the JSON routes the page needs
beyond the REST API v4 (value previews, D1 tables, rows, migrations, the SQL console, a
pulse to poll); ``d1_inspect`` and ``previews`` read and shape the data. The page itself is
``static/``: HTML, CSS and plain JavaScript modules, shipped as package data.
"""

from emulator.server.ui.api import InspectorApi
from emulator.server.ui.routes import add_inspector

__all__ = ["InspectorApi", "add_inspector"]
