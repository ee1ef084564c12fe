"""Pure computations behind the demos: torch, numpy and pydantic only, never Django."""
