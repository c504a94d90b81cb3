class BadInput(ValueError):
    """Input an officer can fix; the message says what is wrong and how to fix it."""
