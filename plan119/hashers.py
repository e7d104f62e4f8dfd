"""How passwords are stored."""
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended parameters by default (19 MiB of memory, 2 passes, 1 lane).

    Memory-hard, unlike PBKDF2, and far lighter on the CPU than Django's default PBKDF2, whose cost per sign-in
    made agency staff signing in at once on deadline day queue for the server's cores (figures in bench/LOAD.md).
    ARGON2_MEMORY_KIB and ARGON2_TIME_COST raise the cost; a stored hash made with other parameters, or with PBKDF2,
    is re-made at the user's next sign-in.
    """

    @property
    def memory_cost(self):
        return settings.ARGON2_MEMORY_KIB

    @property
    def time_cost(self):
        return settings.ARGON2_TIME_COST

    parallelism = 1
