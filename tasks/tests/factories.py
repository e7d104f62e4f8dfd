import datetime

import factory

from agencies.tests.factories import AgencyFactory
from tasks.models import Assignment, AssignmentRole, AssignmentSource, DeadlineKind, DeadlineRule, Plan, Task, TaskGroup


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    number = factory.Sequence(lambda n: f"{n + 200}/KH-UBND")
    title = "Kế hoạch thử nghiệm"
    issued_on = datetime.date(2023, 5, 15)
    first_year = 2023
    last_year = 2030


class TaskGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskGroup

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Nhóm nhiệm vụ {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    group = factory.SubFactory(TaskGroupFactory)
    plan = factory.SelfAttribute("group.plan")
    code = factory.Sequence(lambda n: f"9.{n + 1}")
    title = factory.Sequence(lambda n: f"Nhiệm vụ {n}")
    title_en = factory.Sequence(lambda n: f"Task {n}")
    text = "Nội dung nhiệm vụ."


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    task = factory.SubFactory(TaskFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = AssignmentRole.LEAD
    source = AssignmentSource.PLAN


class DeadlineRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlineRule

    plan = factory.SubFactory(PlanFactory)
    kind = DeadlineKind.AGENCY_REPORT
    month = 11
    day = 5
