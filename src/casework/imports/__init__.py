"""Bulk import of persons and drug tests from CSV/XLSX files, and list exports.

A file is checked first (a dry run: one line per problem, with its row number), then imported
all or nothing. Rows are matched by an external ID, so importing the same file twice creates
nothing the second time. Imported persons start their history with one ``imported`` audit
entry (``workflow.engine.import_record``).
"""
