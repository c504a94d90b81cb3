"""Pure rule functions and the law as data. No I/O, no Textual, no SQL."""
