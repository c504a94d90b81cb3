"""Store failures, each with a message an officer can act on."""


class StoreError(Exception):
    """Raised with a one-line message that says what is wrong and what to do."""


class StoreBusy(StoreError):
    def __init__(self) -> None:
        super().__init__("store is busy (another contingency is writing); try again")


class StoreCorrupt(StoreError):
    pass


class StoreMissing(StoreError):
    pass


class NotFound(StoreError):
    pass


class ClockRefused(StoreError):
    """A pinned clock on a live store: refused before anything is written."""
