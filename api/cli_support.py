"""What the `vanthu` command modules share: the service runtime for one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from api.errors import ApiError
from api.runtime import Runtime, open_runtime
from api.settings import get_settings


@contextmanager
def command_runtime() -> Iterator[Runtime]:
    """The runtime (database migrated, blobs, queue, models); a request the service refuses ends the
    command with its reason and exit status 1."""
    runtime = open_runtime(get_settings())
    try:
        yield runtime
    except ApiError as error:
        typer.echo(f"vanthu: {error.reason}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.close()
