"""``python -m emulator ...``: delegates to the command line (``emulator.commands``)."""

from emulator.commands import main

raise SystemExit(main())
