"""Domain errors. Services raise these; the API turns them into its one error format."""


class DomainError(Exception):
    """A request the domain refuses. ``field`` names the input that is wrong, when one is."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class Conflict(DomainError):
    code = "conflict"
    status = 409
