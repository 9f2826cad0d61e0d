"""The form the partnership officer changes a neighbour set's weights with: one field per
variable, and the reason, which is kept in the history with each change."""

from __future__ import annotations

import math

from django import forms


class WeightsForm(forms.Form):
    reason = forms.CharField(
        label="Why the weights change", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the weights change."})

    def __init__(self, *args, variables=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.variable_names = []
        fields = {}
        for variable in variables:
            name = f"weight_{variable.name}"
            self.variable_names.append(variable.name)
            fields[name] = forms.FloatField(
                label=f"Weight of {variable.name}", min_value=0, initial=variable.weight,
                error_messages={
                    "required": f"Enter a weight for {variable.name}, 0 or more.",
                    "invalid": f"The weight of {variable.name} must be a number, such as 0.5.",
                    "min_value": f"The weight of {variable.name} must be 0 or more."})
        # The weights come first on the page, the reason last.
        reason = self.fields.pop("reason")
        self.fields.update(fields)
        self.fields["reason"] = reason

    def clean(self):
        cleaned = super().clean()
        for name in self.variable_names:
            value = cleaned.get(f"weight_{name}")
            if value is not None and not math.isfinite(value):
                self.add_error(f"weight_{name}", f"The weight of {name} must be a number, "
                                                 "such as 0.5.")
        return cleaned

    def weight_fields(self):
        return [self[f"weight_{name}"] for name in self.variable_names]

    def weights(self) -> dict[str, float]:
        return {name: self.cleaned_data[f"weight_{name}"] for name in self.variable_names}
