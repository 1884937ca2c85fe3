class EditRefused(Exception):
    """An edit may not be saved; `message` says why, for the form (which keeps the text)."""

    def __init__(self, message: str, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
