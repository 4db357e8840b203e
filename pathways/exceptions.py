from dataclasses import dataclass

from config.api import register_domain_error


@register_domain_error
class PathwayError(Exception):
    """A curriculum change that cannot be carried out (editing a frozen version,
    publishing an incomplete pathway, enrolling in a draft…).

    The API turns it into a 400 and the HTML views into a message.
    """


@dataclass(frozen=True)
class Issue:
    """One problem in a catalogue file: where it is and what is wrong."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(document)'}: {self.message}"


class CatalogueError(PathwayError):
    """Catalogue files that cannot be loaded. Nothing was written."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
