"""A school's subject list: the standard Dutch list it starts with (data/subjects.csv) and the
school leader's page to add, rename, merge and switch off subjects (urls under /vakken/)."""
