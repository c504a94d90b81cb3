"""Whole incident sections (roster, playbook, notifications, costs, claims, log): each reads, through a service,
exactly the page it shows."""
