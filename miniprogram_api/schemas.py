"""Field types shared by every app's schemas."""

from typing import Annotated

from pydantic import Field

# Database ids: positive and within a 64-bit integer, so that absurd numbers are a 422, not a crash.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
