"""hours models."""
