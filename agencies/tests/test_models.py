import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from agencies.models import Agency, AgencyKind, Role
from agencies.tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_vietnamese_typed_decomposed_is_stored_composed():
    nfd = unicodedata.normalize("NFD", "Sở Ngoại vụ tỉnh Thanh Hóa")
    agency = AgencyFactory(name=nfd)
    stored = Agency.objects.values_list("name", flat=True).get(pk=agency.pk)
    assert stored == "Sở Ngoại vụ tỉnh Thanh Hóa" and unicodedata.is_normalized("NFC", stored)
    assert agency.name == stored
    assert Agency.objects.filter(name=nfd).exists()  # look-ups normalise too


def test_contact_emails_are_validated():
    agency = AgencyFactory.build(code="X1", contact_emails="a@thanhhoa.gov.vn, sai-dia-chi")
    with pytest.raises(ValidationError) as error:
        agency.full_clean()
    assert "sai-dia-chi" in str(error.value)
    agency.contact_emails = "a@thanhhoa.gov.vn\nb@thanhhoa.gov.vn; c@thanhhoa.gov.vn"
    agency.full_clean()
    assert agency.email_list() == ["a@thanhhoa.gov.vn", "b@thanhhoa.gov.vn", "c@thanhhoa.gov.vn"]


def test_successor_follows_the_merge_chain():
    a, b, c = AgencyFactory(), AgencyFactory(), AgencyFactory()
    a.merged_into, b.merged_into = b, c
    a.save(), b.save()
    assert a.successor() == c and c.successor() == c


def test_lineage_follows_the_merges_backwards_level_by_level(django_assert_max_num_queries):
    """C's line: C, then B (merged into C), then A and A2 (merged into B), in Vietnamese order within a level; D, merged
    into A2, one level further. E, which B was not merged into, is not in it; a body's line starts with itself."""
    c = AgencyFactory(code="L-C", name="Sở C")
    b = AgencyFactory(code="L-B", name="Sở B", merged_into=c, active=False)
    a2 = AgencyFactory(code="L-A2", name="Sở Đông", merged_into=b, active=False)
    a = AgencyFactory(code="L-A", name="Sở Dương", merged_into=b, active=False)
    d = AgencyFactory(code="L-D", name="Sở D", merged_into=a2, active=False)
    e = AgencyFactory(code="L-E", name="Sở E")
    with django_assert_max_num_queries(5):  # one per level and the empty last one
        assert c.lineage() == [c, b, a, a2, d]  # "Dương" before "Đông": Đ comes after D
    assert b.lineage() == [b, a, a2, d]
    assert d.lineage() == [d] and e.lineage() == [e]


def test_lineage_survives_a_cycle_in_bad_data():
    a, b = AgencyFactory(), AgencyFactory()
    Agency.objects.filter(pk=a.pk).update(merged_into=b)
    Agency.objects.filter(pk=b.pk).update(merged_into=a)
    assert a.lineage() == [a, b] and b.lineage() == [b, a]


def test_display_name_follows_the_language():
    agency = AgencyFactory(name="Sở Tài chính", name_en="Department of Finance")
    with translation.override("en"):
        assert str(agency) == "Department of Finance"
    with translation.override("vi"):
        assert str(agency) == "Sở Tài chính"


def test_requested_kinds():
    assert AgencyFactory(kind=AgencyKind.BUSINESS_ASSOCIATION).is_requested_kind
    assert AgencyFactory(kind=AgencyKind.MASS_ORGANISATION).is_requested_kind
    assert not AgencyFactory(kind=AgencyKind.DISTRICT).is_requested_kind


def test_roles():
    agency = AgencyFactory()
    staff = UserFactory(agency=agency, role=Role.AGENCY_STAFF)
    dfa = UserFactory(role=Role.DFA_OFFICER)
    leader = UserFactory(role=Role.LEADERSHIP)
    assert staff.is_agency_staff and not staff.can_read_everything
    assert dfa.is_dfa_officer and dfa.can_read_everything
    assert leader.is_leadership and leader.can_read_everything and not leader.is_dfa_officer
    assert not UserFactory(role=Role.AGENCY_STAFF).is_agency_staff  # staff role without an agency is no staff
    staff.is_active = False
    assert not staff.is_agency_staff


def test_rename_keeps_identity_and_history():
    agency = AgencyFactory(code="SKHDT", name="Sở Kế hoạch và Đầu tư")
    agency.name = "Sở Tài chính (sau sáp nhập)"
    agency.save()
    assert Agency.objects.get(code="SKHDT").pk == agency.pk
    assert [h.name for h in agency.history.all()] == ["Sở Tài chính (sau sáp nhập)", "Sở Kế hoạch và Đầu tư"]


def test_search_is_accent_and_case_insensitive_and_needs_every_word():
    dfa = AgencyFactory(code="SNGV-T", name="Sở Ngoại vụ", name_en="Department of Foreign Affairs")
    home = AgencyFactory(code="SNV-T", name="Sở Nội vụ", name_en="Department of Home Affairs")
    ours = Agency.objects.filter(pk__in=[dfa.pk, home.pk])
    assert list(ours.search("ngoai VU")) == [dfa]
    assert list(ours.search("SỞ NGOẠI vụ foreign")) == [dfa]
    assert list(ours.search("noi vu home")) == [home]
    assert not ours.search("ngoai noi").exists()
    assert ours.search("").count() == 2


def test_the_navbar_names_the_agency_once_when_the_account_is_named_after_it(client):
    from agencies.tests.factories import staff_of

    agency = AgencyFactory(name="Sở Thông tin và Truyền thông", name_en="Department of Information")
    shared = staff_of(agency, username="stttt", first_name="Sở Thông tin và", last_name="Truyền thông")
    person = staff_of(agency, username="lan", first_name="Lan", last_name="Nguyễn")
    nobody = UserFactory(username="khach", first_name="", last_name="")
    with translation.override("vi"):
        assert shared.label == "Sở Thông tin và Truyền thông"
        assert person.label == f"{person.get_full_name()} · Sở Thông tin và Truyền thông"
        assert nobody.label == "khach"
    with translation.override("en"):
        assert shared.label == "Department of Information"
    client.force_login(shared)
    html = client.get("/profile/").content.decode()
    assert "Sở Thông tin và Truyền thông · Sở Thông tin và Truyền thông" not in html
    assert "Sở Thông tin và Truyền thông" in html
