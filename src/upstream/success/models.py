"""success models."""
