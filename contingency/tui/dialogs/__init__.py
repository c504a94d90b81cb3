"""Modal forms and confirmations: each saves through a service inside itself, so a refusal keeps what was typed."""
