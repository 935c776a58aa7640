"""Where things are in the repository, for tests at any depth."""

from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
#: The DMS events fixtures (``tests/events/README.md`` describes their shapes).
EVENTS_DIR: Final = ROOT / "tests" / "events"
#: The job function ``CallbackUrlWorkflow``'s tests deploy.
EXPORT_JOB_DIR: Final = ROOT / "examples" / "export_job"
