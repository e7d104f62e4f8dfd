"""Importing people from a file (agencies/people.py): reading what Excel writes, row-by-row checks, the dry run, the
apply step in one transaction, and the `import_users` command. On the cast's small plan (conftest.py)."""
import datetime
import io
import unicodedata
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from agencies.models import AccountMail, AccountMailKind, Agency, Role, User
from agencies.people import ImportFileError, people_import, people_read
from agencies.services import agency_retire_into
from agencies.sheets import ROWS_MAX
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English here; test_vietnamese_messages checks one in Vietnamese."""
    with translation.override("en"):
        yield

HEADER = "Họ và tên,Thư điện tử,Mã đơn vị,Vai trò\n"


def csv_bytes(*lines, header=HEADER, encoding="utf-8"):
    return (header + "".join(line + "\n" for line in lines)).encode(encoding)


def xlsx_bytes(*rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Text as Windows writes it in code page 1258: letters with their vowel marks precomposed, tones combining."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return out


def check(data, name="people.csv"):
    return people_import(rows=people_read(name=name, data=data), apply=False)


def by_line(result):
    return {row.line: (row.status, row.messages) for row in result.rows}


# --- reading ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding,delimiter", [
    ("utf-8-sig", ","),  # Excel's "CSV UTF-8": a byte-order mark first
    ("utf-8", ";"),  # Excel on a Vietnamese Windows separates with semicolons
    ("utf-16", "\t"),  # Excel's "Unicode text"
    ("cp1258", ","),  # Excel's plain "CSV" on a Vietnamese Windows
])
def test_the_encodings_and_separators_excel_writes_are_read(small_plan, encoding, delimiter):
    text = f"Họ và tên{delimiter}Thư điện tử{delimiter}Mã đơn vị{delimiter}Vai trò\n" \
           f"Nguyễn Văn Ánh{delimiter}anh@example.vn{delimiter}T-LEAD{delimiter}Cán bộ đơn vị\n"
    data = windows_1258(text) if encoding == "cp1258" else text.encode(encoding)
    [row] = people_read(name="people.csv", data=data)
    assert (row.full_name, row.email, row.agency_code, row.role) == (
        "Nguyễn Văn Ánh", "anh@example.vn", "T-LEAD", "Cán bộ đơn vị")


def test_english_headers_in_another_order_and_blank_rows(small_plan):
    rows = people_read(name="x.csv", data=csv_bytes(
        "t-lead,AN@Example.VN,An Trần,agency_staff", ",,,", header="agency_code,email,full_name,role\n"))
    assert [(r.line, r.full_name, r.email, r.agency_code) for r in rows] == [(2, "An Trần", "AN@Example.VN", "t-lead")]


def test_an_xlsx_formula_is_text_and_numbers_are_read_as_written(small_plan):
    data = xlsx_bytes(["Họ và tên", "Thư điện tử", "Mã đơn vị", "Vai trò"],
                      ['=HYPERLINK("http://evil.example","Bấm")', "x@example.vn", 12, None])
    [row] = people_read(name="people.xlsx", data=data)
    assert row.full_name == '=HYPERLINK("http://evil.example","Bấm")'
    assert row.agency_code == "12"
    assert row.role == ""


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    (b"name,phone\nAn,0123\n", "missing: Họ và tên, Thư điện tử"),
    (HEADER.encode(), "holds nobody"),
    (HEADER.encode() + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
    (HEADER.encode() + b"\x81\x8a\x8d\n", "not text in a known encoding"),
    (HEADER.encode() + b"An,a@example.vn,T-LEAD,\n" * (ROWS_MAX + 1), "more than 5000 rows"),
])
def test_a_file_that_cannot_be_read_gets_a_message(small_plan, data, message):
    with pytest.raises(ImportFileError) as caught:
        people_read(name="people.csv", data=data)
    assert message in str(caught.value)


def test_a_zip_bomb_is_refused_before_it_is_opened(small_plan):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="too large once unpacked"):
        people_read(name="people.xlsx", data=out.getvalue())


# --- checking -----------------------------------------------------------------------------------------------------

def test_row_by_row_errors_and_a_dry_run_that_writes_nothing(small_plan, owner):
    agency_retire_into(agency=small_plan.outside, successor=small_plan.lead, on=datetime.date(2025, 7, 1))
    deactivated = UserFactory(username="cu", email="cu@example.vn", is_active=False)
    users, history, mails = User.objects.count(), User.history.count(), AccountMail.objects.count()
    result = check(csv_bytes(
        "Lê Thị Hoa,hoa@example.vn,T-LEAD,",  # 2: new, agency staff by default
        "Phạm Văn Nam,nam@example,T-LEAD,Cán bộ đơn vị",  # 3: bad e-mail
        "Đỗ Minh,minh@example.vn,KHONGCO,",  # 4: unknown agency
        "Lê Thị Hoa,HOA@example.vn,T-COOP,",  # 5: duplicate of line 2
        f"Trần Minh,{owner.email.upper()},T-LEAD,",  # 6: existing user
        "Vũ Lan,lan@example.vn,T-OUT,",  # 7: merged agency
        "Hà My,my@example.vn,T-LEAD,giám đốc",  # 8: unknown role
        ",ai@example.vn,,",  # 9: no name, staff without an agency
        "Ngô Quang,quang@example.vn,,Lãnh đạo",  # 10: leadership needs no agency
        "Cũ,cu@example.vn,T-LEAD,",  # 11: deactivated account
    ))
    rows = by_line(result)
    assert rows[2] == ("new", [])
    assert rows[3] == ("error", ["“nam@example” is not a valid e-mail address."])
    assert rows[4] == ("error", ["No agency has the code “KHONGCO”."])
    assert rows[5] == ("error", ["The same e-mail address as line 2."])
    assert rows[6] == ("exists", [f"Already has an account ({owner.username}): left unchanged."])
    assert rows[7][0] == "error" and "T-LEAD" in rows[7][1][0]
    assert rows[8][0] == "error" and rows[8][1][0].startswith("Unknown role “giám đốc”")
    assert rows[9] == ("error", ["The full name is missing.", "Agency staff need the code of their agency."])
    assert rows[10] == ("new", [])
    assert rows[11] == ("exists", ["Has a deactivated account (cu): left unchanged."])
    assert result.has_errors and not result.applied
    assert (User.objects.count(), User.history.count(), AccountMail.objects.count()) == (users, history, mails)
    deactivated.refresh_from_db()
    assert not deactivated.is_active


def test_apply_refuses_a_file_with_an_error(small_plan):
    rows = people_read(name="x.csv", data=csv_bytes("An,an@example.vn,T-LEAD,", "Bình,binh,T-LEAD,"))
    result = people_import(rows=rows, apply=True)
    assert not result.applied
    assert not User.objects.filter(email="an@example.vn").exists()


@pytest.mark.parametrize("role,value", [
    ("", Role.AGENCY_STAFF), ("agency_staff", Role.AGENCY_STAFF), ("CAN BO DON VI", Role.AGENCY_STAFF),
    ("DFA officer", Role.DFA_OFFICER), ("Chuyên viên Sở Ngoại vụ", Role.DFA_OFFICER),
    ("lãnh đạo (chỉ xem)", Role.LEADERSHIP), ("leadership", Role.LEADERSHIP),
])
def test_roles_are_read_in_either_language(small_plan, role, value):
    [row] = check(csv_bytes(f"An,an@example.vn,T-LEAD,{role}")).rows
    assert (row.status, row.role_value) == ("new", value)


# --- applying -----------------------------------------------------------------------------------------------------

def test_apply_creates_and_invites_and_a_second_apply_changes_nothing(small_plan, admin,
                                                                      django_capture_on_commit_callbacks):
    data = csv_bytes("Nguyễn Văn An,An.Nguyen@Example.vn,t-lead,", "Trần Thị Bình,binh@example.vn,,DFA officer")
    with django_capture_on_commit_callbacks() as callbacks:
        result = people_import(rows=people_read(name="x.csv", data=data), apply=True, by=admin)
    assert result.applied and result.new_count == 2
    assert len(callbacks) == 2  # one invitation each, handed to the worker after the commit
    an = User.objects.get(username="an.nguyen@example.vn")
    assert (an.email, an.get_full_name(), an.agency, an.is_active) == (
        "an.nguyen@example.vn", "Nguyễn Văn An", small_plan.lead, True)
    assert not an.has_usable_password()
    assert an.is_agency_staff
    assert an.history.get().history_user == admin
    assert User.objects.get(username="binh@example.vn").is_dfa_officer
    assert list(AccountMail.objects.values_list("user__username", "kind", "requested_by")) == [
        ("an.nguyen@example.vn", AccountMailKind.INVITATION, admin.pk),
        ("binh@example.vn", AccountMailKind.INVITATION, admin.pk)]

    state = (User.objects.count(), User.history.count(), AccountMail.objects.count())
    with django_capture_on_commit_callbacks() as callbacks:
        again = people_import(rows=people_read(name="x.csv", data=data), apply=True, by=admin)
    assert again.applied and (again.new_count, again.existing_count) == (0, 2)
    assert callbacks == []
    assert (User.objects.count(), User.history.count(), AccountMail.objects.count()) == state


def test_an_account_created_meanwhile_rolls_the_whole_import_back(small_plan, monkeypatch):
    from agencies import people

    rows = people_read(name="x.csv", data=csv_bytes("An,an@example.vn,T-LEAD,", "Bình,binh@example.vn,T-LEAD,"))
    checked = people.people_check

    def check_then_someone_else_creates(rows_):
        checked(rows_)
        if not User.objects.filter(username="binh@example.vn").exists():
            UserFactory(username="binh@example.vn", email="other@example.vn")

    monkeypatch.setattr(people, "people_check", check_then_someone_else_creates)
    result = people_import(rows=rows, apply=True)
    assert not result.applied and "nothing was imported" in result.error
    assert not User.objects.filter(username="an@example.vn").exists()


# --- the command --------------------------------------------------------------------------------------------------

def test_the_command_dry_run_then_apply(small_plan, tmp_path, capsys):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(["full_name", "email", "agency_code", "role"],
                                ["Lê Văn Cường", "cuong@example.vn", "T-COOP", "agency_staff"]))
    call_command("import_users", "--file", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "line 2: new cuong@example.vn" in out and "dry run, nothing written" in out
    assert not User.objects.filter(email="cuong@example.vn").exists()
    call_command("import_users", "--file", str(path))
    assert "1 created, 0 existing" in capsys.readouterr().out
    assert User.objects.get(email="cuong@example.vn").agency == Agency.objects.get(code="T-COOP")


def test_the_command_fails_on_errors_and_on_a_bad_file(small_plan, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes("An,an@,T-LEAD,"))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_users", "--file", str(path))
    assert "line 2: ERROR an@" in capsys.readouterr().out
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_users", "--file", str(path))
    with pytest.raises(CommandError, match="missing.csv"):
        call_command("import_users", "--file", str(tmp_path / "missing.csv"))


def test_vietnamese_messages(small_plan):
    with translation.override("vi"):
        [row] = check(csv_bytes("An,an@example.vn,KHONGCO,")).rows
        assert row.messages == ["Không có đơn vị nào có mã “KHONGCO”."]
        with pytest.raises(ImportFileError, match="Tệp trống"):
            people_read(name="x.csv", data=b"")


def test_the_readmes_example_file_passes_on_plan_119(plan119, settings):
    data = (settings.BASE_DIR / "docs" / "people-example.csv").read_bytes()
    result = check(data)
    assert [(row.status, row.messages) for row in result.rows] == [("new", [])] * 4
    assert [row.role_value for row in result.rows] == [Role.DFA_OFFICER, Role.AGENCY_STAFF, Role.AGENCY_STAFF,
                                                       Role.LEADERSHIP]


def test_the_check_asks_the_database_the_same_few_questions_for_any_number_of_rows(small_plan, owner,
                                                                                  django_assert_max_num_queries):
    lines = [f"Người {i},nguoi{i}@example.vn,{'T-LEAD' if i % 2 else 'T-COOP'}," for i in range(300)]
    rows = people_read(name="x.csv", data=csv_bytes(*lines, f"Trần Minh,{owner.email},T-LEAD,"))
    with django_assert_max_num_queries(2):  # the agencies named, the accounts that exist
        result = people_import(rows=rows, apply=False)
    assert (result.new_count, result.existing_count) == (300, 1)
