"""Settings for Portal, all from the environment, defaulting to the embedded setup:
`base` (the framework's) and `product` (Portal's own knobs)."""

from .base import *  # noqa: F403
from .product import *  # noqa: F403
