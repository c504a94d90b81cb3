"""The Textual app. Thin: screens call services and read the store's repositories, never SQL."""
