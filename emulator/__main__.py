"""``python -m emulator serve ...``: delegates to the server's command line."""

from emulator.server.cli import main

raise SystemExit(main())
