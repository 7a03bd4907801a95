"""Errors that mean "the input is bad", as opposed to a fault of ours.

The service maps every `InputError` to a 4xx with its `reason`; the CLI prints it and exits non-zero.
"""


class InputError(ValueError):
    """The file cannot be processed: its `code` is stable, its message is for people."""

    code = "bad_input"
    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.reason = message


class EmptyFile(InputError):
    code = "empty_file"


class UnsupportedFormat(InputError):
    code = "unsupported_format"
    status = 415


class CorruptFile(InputError):
    code = "corrupt_file"


class EncryptedFile(InputError):
    code = "encrypted_file"


class TooLarge(InputError):
    """Too many pages, too many pixels (a decompression bomb) or too many bytes."""

    code = "too_large"
    status = 413
