"""``python -m archive_app`` is the ``archive`` command (``archive_app/cli``)."""

from archive_app.cli import main

raise SystemExit(main())
