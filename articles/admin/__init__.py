"""The newsroom's article desk: every save and transition goes through `articles.services`.

One module per part of the desk: `article` (the list and change page), `forms`, `inlines`,
`saving` (the page saved through the services), `desk` (revisions, presence, schedule) and
`taxonomy` (sections, tags, authors, outlets).
"""

from . import article, taxonomy  # noqa: F401  (registers the admins)
