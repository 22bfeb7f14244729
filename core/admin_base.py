"""Admin add forms that call a service: the clerk enters what the service needs, the service
checks and writes (one transaction), and a refusal lands on the field it names."""

from django import forms
from django.core.exceptions import ValidationError


class ServiceForm(forms.ModelForm):
    """`call(cleaned_data)` runs the service inside `clean`; its result is the saved object."""

    result = None

    def call(self, data):  # pragma: no cover - each form says what it does
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.result = self.call(data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            else:
                self.add_error(None, error)
        return data

    def _post_clean(self):
        # the service validated and saved the record; the half-filled instance is not validated again
        if self.result is None and not self.errors:
            super()._post_clean()


class ServiceAddAdminMixin:
    """With an `add_form` (a ServiceForm), adding goes through the service; the rest is the usual admin."""

    add_form = None

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and self.add_form is not None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = list(self.add_form.base_fields)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None and self.add_form is not None:
            return [(None, {"fields": list(self.add_form.base_fields)})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None and self.add_form is not None:
            return ()
        return super().get_readonly_fields(request, obj)

    def save_form(self, request, form, change):
        if not change and getattr(form, "result", None) is not None:
            return form.result
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        if not change and getattr(form, "result", None) is not None:
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not change and getattr(form, "result", None) is not None:
            return
        super().save_related(request, form, formsets, change)
