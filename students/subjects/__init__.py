"""A school's subject list: the standard Dutch list a new school starts with (data/subjects.csv)."""
