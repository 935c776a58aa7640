"""``python -m dms_waiters.cli``: the same as the ``dms-waiters`` command."""

import sys

from .app import main

sys.exit(main())
