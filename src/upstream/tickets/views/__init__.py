"""Web views of the tickets app: the agent inbox and ticket page, and the customer portal."""
