"""Exceptions whose messages read well."""


class ReadableKeyError(KeyError):
    """A KeyError (callers catching KeyError still work) whose message prints as written.

    Python shows a plain KeyError's message through ``repr``, which escapes quotes and hides
    line breaks of explanatory messages.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()
