"""The project's own exceptions: one readable message each, never a traceback for users.

The base class and the errors every layer may raise live here, in the lowest layer, so
that any layer can import them; the index's own error is ``index.errors.IndexFolderError``.
"""


class QAError(Exception):
    """Base class of every error the project reports to a user as one line.

    ``hint`` overrides the fix the CLI would suggest for this kind of error
    (``""`` for none).
    """

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class CorpusError(QAError):
    """The corpus folder is missing, empty, or holds nothing that can be indexed."""


class QuestionError(QAError):
    """The question cannot be answered as given (empty, too long, ...)."""


class SettingsError(QAError):
    """A setting has a value the project cannot work with."""
