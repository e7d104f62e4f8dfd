"""How passwords are stored."""
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended parameters by default (19 MiB of memory, 2 passes, 1 lane).

    Memory-hard, unlike PBKDF2, and about a tenth of the CPU of Django's default PBKDF2 (1,000,000 iterations:
    0.43 s per sign-in here), which made 200 agency staff signing in at once on deadline day take most of a minute
    of the server's two cores (bench/LOAD.md). ARGON2_MEMORY_KIB and ARGON2_TIME_COST raise the cost; a stored hash
    made with other parameters, or with PBKDF2, is re-made at the user's next sign-in.
    """

    @property
    def memory_cost(self):
        return settings.ARGON2_MEMORY_KIB

    @property
    def time_cost(self):
        return settings.ARGON2_TIME_COST

    parallelism = 1
