"""YAML readers for everything users upload: safe types, and no alias bombs.

A few hundred bytes of nested aliases expand to gigabytes ("billion laughs") for any
code that walks the document. Uploaded artifacts, mapping files and postmortem front
matter need no aliases, so there an alias is a syntax error at its line
(`NoAliasLoader`). Curriculum files use them to share rubric levels, so there a
document may use aliases as long as it stays small once expanded
(`BoundedAliasLoader`: a budget of expanded values and documents per file). Nesting
deeper than Python's recursion limit is reported instead of crashing.
"""

from typing import Any

import yaml


class NoAliasLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


class BoundedAliasLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` for a file that expands to at most `max_nodes` values in all and
    holds at most `max_documents` documents.

    The budget is per file, not per document: otherwise each of many small documents
    could spend it again (60 documents of aliases cost seconds of CPU each).
    """

    max_nodes = 200_000
    max_documents = 100

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._expanded: dict[int, int] = {}  # id(node) → its size with aliases expanded
        self._file_total = 0
        self._documents = 0

    def compose_document(self) -> Any:  # type: ignore[override]
        self._documents += 1
        if self._documents > self.max_documents:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"a file may hold at most {self.max_documents} documents",
                self.peek_event().start_mark,
            )
        node = super().compose_document()
        self._file_total += self._expanded.get(id(node), 1)
        if self._file_total > self.max_nodes:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases expand this file beyond {self.max_nodes:,} values",
                node.start_mark,
            )
        return node

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        mark = self.peek_event().start_mark
        node = super().compose_node(parent, index)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        size = self._expanded.get(id(node)) or 1 + sum(
            self._expanded.get(id(child), 1) for child in children
        )
        if size > self.max_nodes:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases expand this document beyond {self.max_nodes:,} values",
                mark,
            )
        self._expanded[id(node)] = size
        return node


class TooDeep(yaml.YAMLError):
    """The document nests deeper than can be read."""

    problem = "the document is nested too deeply"
    problem_mark = None

    def __str__(self) -> str:
        return self.problem


class TextTimestampLoader(NoAliasLoader):
    """`NoAliasLoader` that leaves dates and times as the text written, so an impossible
    one (`2019-02-30`) is a value to report, not a document that cannot be read."""


TextTimestampLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


def load(text: str, *, timestamps_as_text: bool = False) -> Any:
    """The one YAML document in `text` (yaml.YAMLError when it cannot be read)."""
    loader = TextTimestampLoader if timestamps_as_text else NoAliasLoader
    try:
        return yaml.load(text, Loader=loader)
    except RecursionError as exc:
        raise TooDeep from exc
