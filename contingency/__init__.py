"""contingency: a council's response to care provider failure and service interruption.

Kept free of imports so that `import contingency` is instant and never drags in Textual.
"""

__version__ = "0.1.0"
