"""Models for trending (filled by its own issue)."""
