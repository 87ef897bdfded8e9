"""Photo changes into the change stream."""

from core import outbox


def record_image(image_id: int, action: str) -> None:
    """Into the change stream, in this transaction: answers showing the photo must follow."""
    outbox.record(
        type=f"image.{action}", subject=f"image:{image_id}", keys=[f"image-{image_id}"], data={"id": image_id}
    )
