"""Signed GET and HEAD of single objects without boto3's per-request machinery (reads only).

``audit verify`` reads every data object and, on stores whose GET carries no Object Lock
headers, HEADs it too. Through a boto3 client each request cost about 1.8 ms of Python
CPU on the 2-core benchmark machine (event hooks, parameter validation, response parsing
with dateutil, checksum wrapping), so verification was bound by boto3, not by the store.
:class:`DirectReader` signs the same request with botocore's SigV4 signer and sends it
with botocore's own HTTP session class (botocore's default CA bundle, proxies from the
environment, the same timeouts and error types), for about 0.8 ms.

It trusts only what it can read completely: a 200 answer whose body is as long as its
``Content-Length``. For anything else it returns None and the caller asks again through
boto3 (:class:`~auditstream.archive.store.S3ObjectStore`), which retries and turns
errors into :mod:`auditstream.archive.errors` classes, so an unusual answer ends exactly as
it did before. After a transport error or any refusal other than "no such key", it
steps aside for the rest of the run: credentials, TLS or a proxy it cannot get past
cost one extra request, not one per object.

Only custom endpoints (MinIO, versitygw) are read this way, path-style, as
:func:`~auditstream.archive.storage.make_s3_client` addresses them. On AWS itself
boto3 stays: its addressing is virtual-hosted, and its GET carries the lock headers, so
verification needs one request per object there anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError
from botocore.httpsession import URLLib3Session
from botocore.utils import get_environ_proxies

from auditstream.archive.storage import S3Settings

# The same limits make_s3_client gives boto3: a few MiB of Parquet per object.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
# botocore's own default pool size; verification runs fewer threads than this.
MAX_CONNECTIONS = 10

_NOT_FOUND = 404
_NO_SUCH_KEY = b"<Code>NoSuchKey</Code>"


class DirectReader:
    """Reads single objects of one bucket on a custom S3 endpoint with signed requests.

    Thread-safe: requests share one connection pool; credentials are frozen per request
    (refreshable credentials refresh themselves).

    Args:
        endpoint_url: The endpoint, ``http://`` or ``https://``, as in ``S3Settings``.
        bucket: The bucket.
        region: The signing region.
        credentials: botocore credentials.
        max_connections: Connections kept open (at least the number of reading threads).
    """

    __slots__ = ("_base", "_credentials", "_http", "_region", "_stepped_aside")

    def __init__(
        self,
        endpoint_url: str,
        *,
        bucket: str,
        region: str,
        credentials: Credentials,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._base = f"{endpoint_url.rstrip('/')}/{quote(bucket, safe='')}/"
        self._region = region
        self._credentials = credentials
        self._http = URLLib3Session(
            proxies=get_environ_proxies(endpoint_url),
            timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),  # type: ignore[arg-type]  # botocore takes (connect, read); the stub says int
            max_pool_connections=max_connections,
        )
        self._stepped_aside = False

    @classmethod
    def for_settings(cls, s3: S3Settings) -> DirectReader | None:
        """Return a reader for the archive bucket, or None where boto3 must do the reading.

        None on AWS itself (no ``endpoint_url``) and when no credentials can be found
        (boto3 then reports that, in its words).

        Args:
            s3: The settings ``make_s3_client`` is built from.
        """
        if not s3.endpoint_url:
            return None
        session = boto3.session.Session(
            aws_access_key_id=s3.access_key_id,
            aws_secret_access_key=(
                s3.secret_access_key.get_secret_value() if s3.secret_access_key else None
            ),
            region_name=s3.region,
        )
        try:
            credentials = session.get_credentials()
        except BotoCoreError:
            return None  # boto3 meets the same problem and reports it
        if credentials is None:
            return None
        return cls(s3.endpoint_url, bucket=s3.bucket, region=s3.region, credentials=credentials)

    @property
    def active(self) -> bool:
        """False once the reader has stepped aside for the rest of the run."""
        return not self._stepped_aside

    def get(
        self, key: str, *, version_id: str | None = None
    ) -> tuple[bytes, Mapping[str, str]] | None:
        """Return an object's bytes and response headers, or None: ask boto3 instead.

        Args:
            key: The object key.
            version_id: Read this version; None reads the current one.
        """
        answer = self._send("GET", key, version_id)
        if answer is None:
            return None
        body, headers = answer
        if str(len(body)) != headers.get("content-length"):
            return None  # cut short or unannounced: boto3 retries and checks the length
        return body, headers

    def head(self, key: str, *, version_id: str | None = None) -> Mapping[str, str] | None:
        """Return an object's response headers, or None: ask boto3 instead.

        Args:
            key: The object key.
            version_id: Ask about this version; None asks about the current one.
        """
        answer = self._send("HEAD", key, version_id)
        return None if answer is None else answer[1]

    def _send(
        self, method: str, key: str, version_id: str | None
    ) -> tuple[bytes, Mapping[str, str]] | None:
        if self._stepped_aside or not _plain_key(key):
            return None
        url = self._base + quote(key, safe="/~")
        if version_id is not None:
            url += "?versionId=" + quote(version_id, safe="")
        request = AWSRequest(method=method, url=url)
        try:
            S3SigV4Auth(self._credentials.get_frozen_credentials(), "s3", self._region).add_auth(
                request
            )
            response = self._http.send(request.prepare())
            body = response.content
        except BotoCoreError:
            self._stepped_aside = True
            return None
        if response.status_code == 200:
            return body, response.headers
        # A 404 is an answer about one object (boto3 confirms it and says so), unless its
        # error says otherwise: versitygw answers an unknown access key with 404. HEAD
        # answers have no body to tell; a real outage or refusal shows on the next GET.
        about_object = response.status_code == _NOT_FOUND and (
            method == "HEAD" or _NO_SUCH_KEY in body
        )
        self._stepped_aside = not about_object  # auth, proxy, throttling: about this reader
        return None


def _plain_key(key: str) -> bool:
    """Return whether a key reaches the same object as a URL path as boto3 reaches it.

    HTTP clients resolve ``.`` and ``..`` segments and may merge empty ones; manifests are
    input to verification, so a key with such segments is read through boto3 only.
    """
    return bool(key) and all(part not in ("", ".", "..") for part in key.split("/"))
