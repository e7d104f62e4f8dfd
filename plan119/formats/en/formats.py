# English pages show dates as Vietnamese pages do (dd/mm/yyyy); only the number separators differ.
from plan119.formats.vi.formats import *  # noqa: F401,F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
