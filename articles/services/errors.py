"""What the services refuse with, each answered by its own status over the API."""


class ArticleStateError(Exception):
    """The article's state does not allow the transition (answered 409)."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class ArticleVersionConflict(Exception):
    """The caller edited an older version (answered 412)."""

    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"the article changed since you read it; the current version is {current_version}")
        self.current_version = current_version


class SlugConflict(Exception):
    """Another row took the slug between the check and the insert (answered 409)."""


class InUse(Exception):
    """A row still referenced by articles (answered 409)."""
