"""Who may do what in monitoring (views enforce these with ``role_required``)."""

from __future__ import annotations

from hotline.accounts.models import Role, User

# Statistics, targets and the annual report: aggregated figures, no case data.
STATISTICS_READERS = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR)
# The legal matrix is read by everyone whose work routes cases; administrators edit it.
LEGAL_READERS = (Role.ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR)
LEGAL_EDITORS = (Role.ADMINISTRATOR,)
# Supervisors keep the targets' evidence current; administrators may too.
TARGET_EDITORS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# The annual report's own words (foreword, outlook...): the people who publish it.
REPORT_EDITORS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def can_edit_legal_matrix(user: User) -> bool:
    return user.has_role(*LEGAL_EDITORS)


def can_edit_targets(user: User) -> bool:
    return user.has_role(*TARGET_EDITORS)


def can_read_statistics(user: User) -> bool:
    return user.has_role(*STATISTICS_READERS)


def can_edit_report(user: User) -> bool:
    return user.has_role(*REPORT_EDITORS)
