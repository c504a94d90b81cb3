"""Letters: templates rendered in a sandbox, laid out as PDF and DOCX from the same text."""
