"""Create the local archive bucket with S3 Object Lock, if it does not exist yet.

Run by ``deploy/local/stack.sh up`` against the local versitygw server::

    python deploy/local/s3_bootstrap.py --endpoint-url http://127.0.0.1:19000 \
        --bucket auditstream-archive

Credentials come from ``AUDITSTREAM_STACK_S3_ACCESS_KEY`` /
``AUDITSTREAM_STACK_S3_SECRET_KEY`` (defaults match stack.sh), not from the command
line, so they do not show up in ``ps``. Standalone on purpose: it needs only boto3,
not the auditstream package.

Object Lock can only be switched on when a bucket is created, so an existing bucket
without it is reported as an error (``stack.sh reset`` gives a clean slate) rather
than silently used.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
except ImportError:  # pragma: no cover - depends on the environment
    print(
        "s3_bootstrap: boto3 is not installed for this interpreter; run `make install` first",
        file=sys.stderr,
    )
    sys.exit(2)

if TYPE_CHECKING:  # boto3-stubs (dev dependency); never imported at run time
    from mypy_boto3_s3 import S3Client

# Throwaway credentials of the loopback-only dev server; the same defaults as stack.sh.
DEFAULT_ACCESS_KEY = "auditstream"
DEFAULT_SECRET_KEY = "auditstream-local-secret"  # noqa: S105


class BootstrapError(Exception):
    """The bucket is missing and cannot be created, or exists with the wrong settings."""


def make_client(endpoint_url: str, region: str, access_key: str, secret_key: str) -> S3Client:
    """Return an S3 client for a local server: path-style addressing, short timeouts."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def error_code(exc: ClientError) -> str:
    """Return the S3 error code (or the HTTP status as a string) of a ClientError."""
    code = exc.response.get("Error", {}).get("Code")
    if code:
        return str(code)
    return str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def bucket_exists(s3: S3Client, bucket: str) -> bool:
    """Return True if ``bucket`` exists and is ours; raise on any other failure."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise
    return True


def create_locked_bucket(s3: S3Client, bucket: str) -> bool:
    """Create ``bucket`` with Object Lock (which implies versioning).

    Returns True if this call created it, False if it appeared concurrently.
    """
    try:
        # us-east-1 is the one region that takes no CreateBucketConfiguration.
        s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    except ClientError as exc:
        if error_code(exc) in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            return False
        raise
    return True


def verify_bucket(s3: S3Client, bucket: str) -> None:
    """Raise BootstrapError unless ``bucket`` has Object Lock and versioning enabled."""
    try:
        lock = s3.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) == "ObjectLockConfigurationNotFoundError":
            raise BootstrapError(
                f"bucket {bucket!r} exists without Object Lock, which can only be enabled "
                "at creation; delete it or run `deploy/local/stack.sh reset`"
            ) from exc
        raise
    enabled = lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
    if enabled != "Enabled":
        raise BootstrapError(f"bucket {bucket!r}: ObjectLockEnabled is {enabled!r}")

    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        raise BootstrapError(
            f"bucket {bucket!r}: versioning is {status!r}, expected 'Enabled' "
            "(is versitygw running with --versioning-dir?)"
        )


def wait_reachable(s3: S3Client, deadline_s: float) -> None:
    """Retry ListBuckets until the server answers or ``deadline_s`` seconds pass."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            s3.list_buckets()
            return
        except (EndpointConnectionError, BotoCoreError):
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True, help="e.g. http://127.0.0.1:19000")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--wait", type=float, default=15.0, help="seconds to wait for the server (default 15)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Ensure the bucket exists with Object Lock; return a process exit code."""
    args = parse_args(argv)
    s3 = make_client(
        args.endpoint_url,
        args.region,
        os.environ.get("AUDITSTREAM_STACK_S3_ACCESS_KEY", DEFAULT_ACCESS_KEY),
        os.environ.get("AUDITSTREAM_STACK_S3_SECRET_KEY", DEFAULT_SECRET_KEY),
    )
    try:
        wait_reachable(s3, args.wait)
        created = False
        if not bucket_exists(s3, args.bucket):
            created = create_locked_bucket(s3, args.bucket)
        verify_bucket(s3, args.bucket)
    except BootstrapError as exc:
        print(f"s3_bootstrap: {exc}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as exc:
        print(f"s3_bootstrap: S3 request to {args.endpoint_url} failed: {exc}", file=sys.stderr)
        return 1
    state = "created" if created else "exists"
    print(
        f"[stack] s3: bucket {args.bucket} {state} (Object Lock enabled, versioning enabled)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
