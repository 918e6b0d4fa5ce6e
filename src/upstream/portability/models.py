"""portability models."""
