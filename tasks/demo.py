"""Demo users for trying the app (make run). Refused in production by the command that calls this."""
from django.contrib.auth.models import Group
from django.db.models import Q

from agencies.models import Agency, Role, User

from .models import AssignmentSource

DEMO_PASSWORD = "plan119-demo"  # noqa: S105  # the demo users of `make run`, named in the README
# Two district users as well (2023–2024), moved to the wards that succeed their districts by the demo's
# reorganisation of 01/07/2025 (reporting.demo): the items for all departments and local committees and a split can
# be tried.
DEMO_DISTRICTS = ["TP-THANHHOA", "TX-NGHISON"]


def _user(username: str, *, password: str, agency=None, role=None, superuser=False, first_name="", language="vi"):
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(
        username=username,
        agency=agency,
        first_name=first_name,
        email=f"{username}@demo.invalid",
        is_staff=superuser,
        is_superuser=superuser,
        language=language,
    )
    user.set_password(password)
    user.save()
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user, True


def demo_users_create(*, password: str = DEMO_PASSWORD) -> list[tuple[str, bool]]:
    """An admin, a DFA officer, a leadership viewer, and one staff user per agency the plan names."""
    out = []
    dfa = Agency.objects.filter(code="SNGV").first()
    people: list[tuple[str, dict]] = [
        ("admin", {"superuser": True, "first_name": "Quản trị"}),
        ("dfa", {"agency": dfa, "role": Role.DFA_OFFICER, "first_name": "Chuyên viên Sở Ngoại vụ"}),
        ("lanhdao", {"role": Role.LEADERSHIP, "first_name": "Lãnh đạo UBND tỉnh"}),
    ]
    for username, kwargs in people:
        out.append((username, _user(username, password=password, **kwargs)[1]))
    agencies = Agency.objects.filter(
        Q(assignments__source=AssignmentSource.PLAN) | Q(code__in=DEMO_DISTRICTS)
    ).distinct()
    for agency in agencies.order_by("code"):
        username = agency.code.lower()
        out.append((username, _user(username, password=password, agency=agency, role=Role.AGENCY_STAFF,
                                    first_name=agency.name)[1]))
    return out
