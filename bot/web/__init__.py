"""Web chat for applicants (/) and the hotline staff console (/staff)."""
