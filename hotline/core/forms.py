"""Form behaviour every public form shares."""

from __future__ import annotations

from django import forms


class AccessibleForm(forms.Form):
    """Ties each field's error list to its input (``aria-describedby``), next to the help text
    Django already links, so a screen reader announces the error with the field."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_errors"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)
