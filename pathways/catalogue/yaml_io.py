"""Reading catalogue YAML with line numbers, and writing it back readably.

PyYAML's composer gives every node a start mark; we keep a map from the path of
each value (("modules", 3, "week_end")) to its line so validation errors can point
at the line to fix.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from pydantic import ValidationError

from config.safe_yaml import BoundedAliasLoader
from pathways.exceptions import Issue

Path = tuple[str | int, ...]


@dataclass
class RawDocument:
    """One YAML document of a file: its data and where each value sits."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """Line of the value at `path`, or of its nearest ancestor that exists."""
        path = tuple(p for p in path if p != "[key]")
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def value_at(self, path: Path) -> Any:
        value = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def issue(self, path: Path, message: str) -> Issue:
        return Issue(
            file=self.file, path=format_path(path), line=self.line_of(path), message=message
        )


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if part == "[key]":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _map_lines(
    node: yaml.Node, path: Path, lines: dict[Path, int], issues: list[tuple[Path, str]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                issues.append((child, f"duplicate key {key!r}"))
            seen.add(key)
            # The key's line is where a reader looks for the value (block values start below).
            lines[child] = key_node.start_mark.line + 1
            _map_lines(value_node, child, lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _map_lines(item, child, lines, issues)


def parse(text: str, file: str) -> tuple[list[RawDocument], list[Issue]]:
    """Every YAML document in `text`, with line maps; or the syntax/duplicate-key issues."""
    documents: list[RawDocument] = []
    issues: list[Issue] = []
    try:
        loader = BoundedAliasLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                lines: dict[Path, int] = {(): node.start_mark.line + 1}
                problems: list[tuple[Path, str]] = []
                _map_lines(node, (), lines, problems)
                document = RawDocument(file=file, data=loader.construct_document(node), lines=lines)
                issues.extend(document.issue(path, message) for path, message in problems)
                documents.append(document)
        finally:
            loader.dispose()
    except RecursionError:
        return [], [Issue(file=file, path="", line=None, message="the file is nested too deeply")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark else None
        return [], [Issue(file=file, path="", line=line, message=f"YAML syntax error: {problem}")]
    return documents, issues


def validation_issues(
    document: RawDocument, error: ValidationError, prefix: Path = ()
) -> list[Issue]:
    """pydantic errors as file/path/line issues."""
    issues = []
    for item in error.errors(include_url=False):
        path = (*prefix, *item["loc"])
        message = item["msg"]
        if item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        issues.append(document.issue(path, message))
    return issues


# --- writing ----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line text (markdown) as literal blocks so exported files read like the sources.
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return dumper.represent_int(int(normal))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(normal, "f"))


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Decimal, _decimal)


def dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
