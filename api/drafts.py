"""A draft sent to the API, checked by the report form's own fields (reporting.cycle.forms), so that the API and the
page accept the same input and refuse it with the same messages."""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.formats import localize_input
from rest_framework import exceptions

from api.serializers import ReportDraftSerializer
from reporting.cycle.forms import FigureForm, ReportForm, SectionForm
from reporting.cycle.services import SECTION_FIELDS, section_indicators
from reporting.models import Report
from tasks.selectors import indicators_by_task


@dataclass
class Draft:
    summary: str
    sections: dict[int, dict] = field(default_factory=dict)
    figures: dict[int, list[dict]] = field(default_factory=dict)
    indicators: dict[int, dict] = field(default_factory=dict)


def _messages(form) -> dict[str, list[str]]:
    return {name: [error["message"] for error in errors] for name, errors in form.errors.get_json_data().items()}


def _figure_rows(rows: list[dict]) -> tuple[list[dict], dict]:
    """The indicator rows through the page's FigureForm (the value as the form would have it typed)."""
    kept, errors = [], {}
    for index, row in enumerate(rows):
        value = row.get("value")
        form = FigureForm({"label": row.get("label", ""), "unit": row.get("unit", ""),
                           "value": localize_input(value) if value is not None else ""})
        if not form.is_valid():
            errors[str(index)] = _messages(form)
        elif (row_data := form.as_row()) is not None:
            kept.append(row_data)
    return kept, errors


def _indicator_values(section, rows: list[dict], by_task: dict) -> tuple[dict, dict]:
    """Catalogue values by indicator code, checked by the indicator itself (Indicator.check_value, as the form)."""
    known = {indicator.code: indicator for indicator in section_indicators(section, by_task)}
    values, errors = {}, {}
    for index, row in enumerate(rows):
        indicator = known.get(row["code"])
        if indicator is None:
            errors[str(index)] = {"code": [str(exceptions.NotFound.default_detail)]}
            continue
        if row["value"] is not None:
            try:
                indicator.check_value(row["value"])
            except DjangoValidationError as error:
                errors[str(index)] = {"value": list(error.messages)}
                continue
        values[indicator.pk] = row["value"]
    return values, errors


def _section(section, values: dict, by_task: dict) -> tuple[dict | None, list[dict] | None, dict | None, dict]:
    data = {name: values.get(name, getattr(section, name)) for name in SECTION_FIELDS}
    form = SectionForm(data, instance=section)
    errors: dict = {}
    if not form.is_valid():
        errors = _messages(form)
    rows = indicators = None
    if "figures" in values:
        rows, figure_errors = _figure_rows(values["figures"])
        if figure_errors:
            errors["figures"] = figure_errors
    if "indicators" in values:
        indicators, indicator_errors = _indicator_values(section, values["indicators"], by_task)
        if indicator_errors:
            errors["indicators"] = indicator_errors
    return (None if errors else form.cleaned_data), rows, indicators, errors


def draft_from_request(*, report: Report, data, lock_version: int) -> Draft:
    """The draft in `data` checked as the report form checks it; 400 with every field's message otherwise."""
    serializer = ReportDraftSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values: dict = dict(serializer.validated_data or {})
    errors: dict = {}
    form = ReportForm({"summary": values.get("summary", report.summary), "lock_version": lock_version})
    if not form.is_valid():
        errors.update(_messages(form))
    own = {section.pk: section for section in report.sections.prefetch_related("indicator_values")}
    by_task = indicators_by_task(plan=report.period.plan)
    draft = Draft(summary=form.cleaned_data.get("summary", ""))
    section_errors: dict = {}
    for item in values.get("sections", []):
        section = own.get(item["id"])
        if section is None:
            section_errors[str(item["id"])] = {"id": [str(exceptions.NotFound.default_detail)]}
            continue
        cleaned, rows, indicators, problems = _section(section, item, by_task)
        if problems or cleaned is None:
            section_errors[str(section.pk)] = problems
            continue
        draft.sections[section.pk] = cleaned
        if rows is not None:
            draft.figures[section.pk] = rows
        if indicators:
            draft.indicators[section.pk] = indicators
    if section_errors:
        errors["sections"] = section_errors
    if errors:
        raise exceptions.ValidationError(errors)
    return draft
