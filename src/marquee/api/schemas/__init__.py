"""Request and response models, one module per resource family.

Naming follows ``TitleCreate / TitleUpdate / TitlePublic / TitlesPublic(data, count)``. Request
models forbid unknown fields, so a typo is a 422 naming the field, not a silent no-op.
"""
