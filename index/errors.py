"""The index layer's error: the index folder cannot be used as it is."""
from __future__ import annotations

from corpus.errors import QAError


class IndexFolderError(QAError):
    """The index folder is missing, damaged, locked by a build, or built for other settings.

    The CLI adds the command that rebuilds it (``qa index --force``) unless ``hint`` says otherwise.
    """
