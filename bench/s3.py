"""A local S3-compatible server (moto's server mode) for tests and benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .common import free_port

KEY, SECRET, REGION = "test-key", "test-secret", "us-east-1"


@contextmanager
def moto_server() -> Iterator[str]:
    """Yields the endpoint URL of a fresh, empty server."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def client(endpoint: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )


def storage_url(endpoint: str, bucket: str, prefix: str = "") -> str:
    """MEDIA_STORAGE_URL for a bucket on that server (made if missing)."""
    made = client(endpoint)
    if bucket not in {b["Name"] for b in made.list_buckets().get("Buckets", [])}:
        made.create_bucket(Bucket=bucket)
    return f"s3://{KEY}:{SECRET}@{bucket}?endpoint={endpoint}&region={REGION}" + (f"&prefix={prefix}" if prefix else "")
