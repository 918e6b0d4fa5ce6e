"""Upstream: customer support and customer success for open-source service vendors."""
