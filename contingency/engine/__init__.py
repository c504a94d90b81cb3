"""Playbooks: the file format, loading the files, and planning what is due (no SQL, no Textual)."""
