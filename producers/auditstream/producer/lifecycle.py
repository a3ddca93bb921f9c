"""A client's life around its calls: spool slot, fork hook, exit hook, Prometheus.

After ``fork()`` a child must not use its parent's librdkafka producer (its threads did
not survive the fork) nor its parent's spool slot (the parent still writes it). The hook
registered here with :func:`os.register_at_fork` gives every live client in the child a
new producer, a slot of its own and a new background thread; the parent is untouched.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from auditstream.producer import ids
from auditstream.producer.config import ClientConfig
from auditstream.producer.errors import SpoolUnavailableError

if TYPE_CHECKING:
    from auditstream.producer.client import AuditClient
    from auditstream.producer.spool import DiskSpool

_log = logging.getLogger("auditstream.producer.client")

# At interpreter exit the host is shutting down and may be killed soon after (Kubernetes
# gives 30 s by default, shared by every exit hook); 5 s lets a healthy broker take the
# last linger batch without holding shutdown hostage to an unreachable one.
EXIT_FLUSH_TIMEOUT_S = 5.0

# Live clients, for the fork hook; the hook is registered once, with the first client.
_clients: weakref.WeakSet[AuditClient] = weakref.WeakSet()
_fork_hook_registered = False
_registry_lock = threading.Lock()


def open_spool(config: ClientConfig) -> DiskSpool | None:
    """Open the client's spool slot; None (logged) when spooling is off or impossible.

    Args:
        config: The client's settings.

    Returns:
        The spool, or None.
    """
    if not config.spool_enabled:
        return None
    # Imported here, not at the top: `import auditstream.producer` stays light, and a
    # client with the spool off never loads it.
    from auditstream.producer.spool import DiskSpool  # noqa: PLC0415

    try:
        return DiskSpool.open(
            config.resolved_spool_dir(),
            max_bytes=config.spool_max_bytes,
            segment_bytes=config.spool_segment_bytes,
            fsync=config.spool_fsync,
            shed_policy=config.shed_policy,
        )
    except SpoolUnavailableError as exc:
        _log.error("%s", exc)
        return None


def register(client: AuditClient) -> None:
    """Track a client for the fork hook and, if its config asks, for Prometheus.

    Args:
        client: A newly started client.
    """
    global _fork_hook_registered  # noqa: PLW0603 - one process-wide hook, registered once
    with _registry_lock:
        _clients.add(client)
        if not _fork_hook_registered:
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_registered = True
    if client.config.prometheus:
        from auditstream.producer import prometheus  # noqa: PLC0415 - optional, on demand

        prometheus.register(client)


def _after_fork_in_child() -> None:
    global _registry_lock  # noqa: PLW0603 - the parent's lock may be held by a dead thread
    _registry_lock = threading.Lock()
    ids.reset_after_fork()
    for client in list(_clients):
        try:
            client._after_fork_in_child()
        except Exception:  # noqa: BLE001 - a fork hook must not break the child
            _log.exception("audit producer could not restart after fork")


def exit_hook(ref: weakref.ref[AuditClient]) -> Callable[[], None]:
    """Return an ``atexit`` hook that closes the client if it still exists.

    The hook holds the client weakly, so registering it does not keep clients alive.

    Args:
        ref: A weak reference to the client.

    Returns:
        The hook.
    """

    def hook() -> None:
        client = ref()
        if client is not None and not client.closed:
            client.close(EXIT_FLUSH_TIMEOUT_S)

    return hook
