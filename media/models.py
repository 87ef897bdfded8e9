"""Models for media (filled by its own issue)."""
