"""The DFA's form for one indicator of the catalogue (tasks.models.Indicator)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import BootstrapFields
from tasks.models import Indicator, Task


class IndicatorForm(BootstrapFields, forms.ModelForm):
    tasks = forms.ModelMultipleChoiceField(
        label=_("Tasks"), queryset=Task.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Agencies report the indicator in their section of each of these tasks."),
    )

    class Meta:
        model = Indicator
        fields = ["name", "name_en", "unit", "unit_en", "kind", "combine", "tasks", "lead_only", "suggested",
                  "active", "code", "position"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        # sections exist for the tasks that are reported on: items without sub-tasks, and the sub-tasks
        self.fields["tasks"].queryset = Task.objects.filter(plan=plan).leaves().order_by("sort_key")
        self.fields["tasks"].label_from_instance = lambda task: f"{task.code}. {task.display_title}"
        for name in ("tasks", "lead_only", "suggested", "active"):
            self.fields[name].widget.attrs.pop("class", None)
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = Indicator.objects.filter(plan=self.instance.plan, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another indicator of this plan already has this code."))
        return code
