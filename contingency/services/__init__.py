"""Services: the operations officers perform, composed from rules and the store."""
