"""Operations on the domain. They flush, never commit: the caller commits once.

Refusals are `casework.errors`; messages go through `casework.i18n._`.
"""
