"""The YAML alias budget is per file: many documents cannot spend it again and again."""

import time

from pathways.catalogue import yaml_io


def _document(n: int) -> str:
    # 10 × 10 × 10 × 10 × 10 = 100,000 values once expanded, in a few hundred bytes
    return (
        f"l0: &a{n} [x, x, x, x, x, x, x, x, x, x]\n"
        f"l1: &b{n} [*a{n}, *a{n}, *a{n}, *a{n}, *a{n}, *a{n}, *a{n}, *a{n}, *a{n}, *a{n}]\n"
        f"l2: &c{n} [*b{n}, *b{n}, *b{n}, *b{n}, *b{n}, *b{n}, *b{n}, *b{n}, *b{n}, *b{n}]\n"
        f"l3: &d{n} [*c{n}, *c{n}, *c{n}, *c{n}, *c{n}, *c{n}, *c{n}, *c{n}, *c{n}, *c{n}]\n"
        f"l4: [*d{n}, *d{n}, *d{n}, *d{n}, *d{n}, *d{n}, *d{n}, *d{n}, *d{n}, *d{n}]\n"
    )


def test_sixty_alias_documents_are_refused_in_under_a_second():
    text = "---\n".join(_document(n) for n in range(60))
    assert len(text) < 40_000

    started = time.perf_counter()
    documents, issues = yaml_io.parse(text, "many.yaml")
    elapsed = time.perf_counter() - started

    assert documents == []
    assert [i.message for i in issues] == [
        "YAML syntax error: aliases expand this file beyond 200,000 values"
    ]
    assert elapsed < 1.0


def test_one_such_document_is_still_read():
    documents, issues = yaml_io.parse(_document(0), "one.yaml")
    assert issues == []
    assert len(documents[0].data["l4"]) == 10


def test_a_file_holds_at_most_100_documents():
    documents, issues = yaml_io.parse("---\n".join("a: 1\n" for _ in range(101)), "many.yaml")
    assert documents == []
    assert [i.message for i in issues] == [
        "YAML syntax error: a file may hold at most 100 documents"
    ]
