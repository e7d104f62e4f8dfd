import factory
from django.contrib.auth.models import Group

from agencies.models import Agency, AgencyKind, Role, User


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n:04d}")
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm {n}")
    name_en = factory.Sequence(lambda n: f"Test Department {n}")
    kind = AgencyKind.DEPARTMENT
    contact_emails = factory.LazyAttribute(lambda o: f"{o.code.lower()}@example.vn")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


def staff_of(agency, **kwargs):
    return UserFactory(agency=agency, role=Role.AGENCY_STAFF, **kwargs)
