"""How long text people type may be (characters), one place for models, forms, the API and
the catalogue format.

A `TextField`'s `max_length` is not a database constraint: forms, serializers and the
catalogue importer enforce it, each with a message naming the limit and the length given.
docs/security.md lists the limits.
"""

SUMMARY = 2_000  # summaries and goals: a paragraph or two
DESCRIPTION = 10_000  # descriptions, notes and feedback
COMMENT = 20_000  # review comments and rating notes
MARKDOWN = 100_000  # lesson bodies, lab instructions, capstone briefs, questions, submissions
