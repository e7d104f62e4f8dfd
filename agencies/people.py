"""Importing agencies' staff from a CSV or XLSX file: read, check row by row (the dry run), apply in one transaction.

The admin's import page and `manage.py import_users` both call people_read() and then people_import().

The file is attacker input, read by the one reader of uploaded files (agencies/sheets.py: size, rows, encodings,
formulas as text); every value is cleaned by agencies/text.py. Whatever the file holds, the answer is a message
(ImportFileError, or a message on its row), never an exception.

Rules (README, "People and accounts"):
- an e-mail address is a person: it becomes their username (lower case), and a second row with the same address is
  an error;
- a person who already has an account (same e-mail or username) is left as they are (reported "exists,
  unchanged"): an import never moves anyone, never changes anyone's role, never re-activates a deactivated account;
  an admin does those by hand in the user's page;
- agency staff need the code of an agency that exists and is active; a DFA officer or a leadership viewer may name
  one or not; an empty role means agency staff;
- nothing is written while any row has an error; otherwise every new person is created, and invited, in one
  transaction. Applying the same file again creates nothing and invites nobody.
"""
import dataclasses

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext as _

from .accounts import account_mail_record
from .models import AccountMailKind, Agency, Role, User
from .sheets import ImportFileError, choice_spellings, header_key, sheet_records, sheet_table

NAME_MAX = 150  # Django's first_name and last_name
EMAIL_MAX = 150  # the username it becomes

# Header names as the README documents them, and the other spellings accepted (compared without accents, case,
# spaces or punctuation: "Thư điện tử", "thu_dien_tu" and "THU DIEN TU" are one header).
COLUMNS = {
    "full_name": ("Họ và tên", "full_name", "Họ tên", "Full name"),
    "email": ("Thư điện tử", "email", "E-mail", "Địa chỉ thư điện tử"),
    "agency_code": ("Mã đơn vị", "agency_code", "Mã cơ quan", "Agency", "Đơn vị"),
    "role": ("Vai trò", "role"),
}
ROLE_ALIASES = {
    Role.AGENCY_STAFF: ("Cán bộ", "staff", "Nhân viên"),
    Role.DFA_OFFICER: ("Sở Ngoại vụ", "DFA", "Chuyên viên"),
    Role.LEADERSHIP: ("Lãnh đạo", "leader", "Leadership"),
}


def _role_names() -> dict[str, str]:
    """Every accepted spelling of a role: its code, its name in English and Vietnamese, and the aliases above."""
    return choice_spellings(Role, ROLE_ALIASES)


@dataclasses.dataclass
class PersonRow:
    """One row of the file: what it says, and after checking, what happens to it."""

    line: int
    full_name: str = ""
    email: str = ""
    agency_code: str = ""
    role: str = ""
    status: str = ""  # "new", "exists" or "error"
    messages: list[str] = dataclasses.field(default_factory=list)
    agency: Agency | None = None
    role_value: str = ""

    def raw(self) -> list:
        """What the admin's page carries from the dry run to the apply step."""
        return [self.line, self.full_name, self.email, self.agency_code, self.role]


@dataclasses.dataclass
class ImportResult:
    rows: list[PersonRow]
    applied: bool = False
    error: str = ""  # a problem with the whole import, e.g. an account created meanwhile by someone else

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def new_count(self) -> int:
        return self.count("new")

    @property
    def existing_count(self) -> int:
        return self.count("exists")

    @property
    def error_count(self) -> int:
        return self.count("error")

    @property
    def has_errors(self) -> bool:
        return bool(self.error) or self.count("error") > 0


# --- reading --------------------------------------------------------------------------------------------------------

def people_read(*, name: str, data: bytes) -> list[PersonRow]:
    """The rows of a CSV or XLSX file (its first sheet), by the names in its first row; empty rows are left out.
    Raises ImportFileError with a message for the admin."""
    rows = [PersonRow(line=line, full_name=cells.get("full_name", ""), email=cells.get("email", ""),
                      agency_code=cells.get("agency_code", ""), role=cells.get("role", ""))
            for line, cells in sheet_records(sheet_table(data=data), columns=COLUMNS, required=("full_name", "email"))]
    if not rows:
        raise ImportFileError(_("The file names its columns but holds nobody."))
    return rows


def people_rows(raw: list) -> list[PersonRow]:
    """Rows back from PersonRow.raw() (the admin's apply step)."""
    return [PersonRow(line=int(line), full_name=str(full_name), email=str(email), agency_code=str(code),
                      role=str(role)) for line, full_name, email, code, role in raw]


# --- checking -------------------------------------------------------------------------------------------------------

def _check_email(row: PersonRow, seen: dict[str, int]) -> None:
    row.email = row.email.lower()
    if not row.email:
        row.messages.append(_("The e-mail address is missing."))
        return
    try:
        validate_email(row.email)
        if len(row.email) > EMAIL_MAX:
            raise ValidationError("too long")
    except ValidationError:
        row.messages.append(_("“%(email)s” is not a valid e-mail address.") % {"email": row.email})
        return
    if row.email in seen:
        row.messages.append(_("The same e-mail address as line %(line)d.") % {"line": seen[row.email]})
    else:
        seen[row.email] = row.line


def _check_agency(row: PersonRow, agencies: dict[str, Agency]) -> None:
    if not row.agency_code:
        if row.role_value == Role.AGENCY_STAFF:
            row.messages.append(_("Agency staff need the code of their agency."))
        return
    agency = agencies.get(row.agency_code.upper())
    if agency is None:
        row.messages.append(_("No agency has the code “%(code)s”.") % {"code": row.agency_code})
    elif not agency.active:
        successor = agency.successor()
        row.messages.append(_("The agency “%(code)s” no longer exists; its work passed to %(successor)s (%(new)s).")
                            % {"code": agency.code, "successor": successor.name, "new": successor.code}
                            if successor.pk != agency.pk else
                            _("The agency “%(code)s” no longer exists.") % {"code": agency.code})
    else:
        row.agency = agency


def _check_row(row: PersonRow, *, roles: dict[str, str], agencies: dict[str, Agency], seen: dict[str, int]) -> None:
    row.messages, row.agency = [], None
    row.full_name = " ".join(row.full_name.split())
    if not row.full_name:
        row.messages.append(_("The full name is missing."))
    elif len(row.full_name) > NAME_MAX:
        row.messages.append(_("The full name is longer than %(limit)d characters.") % {"limit": NAME_MAX})
    _check_email(row, seen)
    row.role_value = roles.get(header_key(row.role), "") if row.role else Role.AGENCY_STAFF
    if not row.role_value:
        row.messages.append(_("Unknown role “%(role)s”; one of: %(roles)s.") % {
            "role": row.role, "roles": ", ".join(str(role.label) for role in Role)})
    _check_agency(row, agencies)


def people_check(rows: list[PersonRow]) -> None:
    """Check every row against the file and the database, setting its status and messages (three queries)."""
    roles = _role_names()
    codes = {row.agency_code.upper() for row in rows if row.agency_code}
    agencies = {agency.code.upper(): agency for agency in
                Agency.objects.annotate(code_upper=Upper("code")).filter(code_upper__in=codes)}
    seen: dict[str, int] = {}
    for row in rows:
        _check_row(row, roles=roles, agencies=agencies, seen=seen)
    emails = {row.email for row in rows if row.email}
    existing: dict[str, User] = {}
    for account in User.objects.annotate(email_lower=Lower("email"), username_lower=Lower("username")).filter(
            Q(email_lower__in=emails) | Q(username_lower__in=emails)):
        existing[account.email_lower] = existing[account.username_lower] = account
    for row in rows:
        if row.messages:
            row.status = "error"
        elif row.email in existing:
            user = existing[row.email]
            row.status = "exists"
            row.messages.append(_("Already has an account (%(username)s): left unchanged.") % {
                "username": user.username} if user.is_active else
                _("Has a deactivated account (%(username)s): left unchanged.") % {"username": user.username})
        else:
            row.status = "new"


# --- applying -------------------------------------------------------------------------------------------------------

def _person_create(row: PersonRow, *, groups: dict[str, Group], by: User | None) -> User:
    # Vietnamese names read family name first: "Nguyễn Văn An" is kept as first_name "Nguyễn Văn", last_name "An",
    # so that get_full_name() gives the name back as written and sorting by last_name sorts by given name.
    first, _space, last = row.full_name.rpartition(" ")
    user = User(username=row.email, email=row.email, first_name=first, last_name=last, agency=row.agency)
    user.set_unusable_password()
    user._history_user = by  # type: ignore[attr-defined]  # simple-history: who made the account
    user.save()
    user.groups.add(groups[row.role_value])
    account_mail_record(user=user, kind=AccountMailKind.INVITATION, by=by)
    return user


def people_import(*, rows: list[PersonRow], apply: bool, by: User | None = None) -> ImportResult:
    """Check `rows` (people_check) and, when `apply` and no row has an error, create every new person and record
    their invitation, in one transaction. A dry run (apply=False) writes nothing."""
    result = ImportResult(rows=rows)
    people_check(rows)
    if not apply or result.has_errors:
        return result
    groups = {group.name: group for group in Group.objects.filter(name__in=[role.value for role in Role])}
    try:
        with transaction.atomic():
            for row in rows:
                if row.status == "new":
                    _person_create(row, groups=groups, by=by)
    except IntegrityError:  # someone created one of these accounts between the check and now
        people_check(rows)
        result.error = _("Someone created some of these accounts meanwhile; nothing was imported. Check again.")
        return result
    result.applied = True
    return result
