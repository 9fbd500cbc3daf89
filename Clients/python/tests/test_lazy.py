"""LazyConnection: one connection for every thread of a process, opened at
first use, replaced when it closed, never a queue of callers each waiting
for a connect timeout while the hub is unreachable, and a process's own
after fork()."""

import os
import select
import signal
import socket
import threading

import pytest

from consenthub import ConnectError, HealthClient, LazyConnection, StatusCode


def lazy_for(address, certs, **options):
    return LazyConnection(address, str(certs / "ca.pem"), str(certs / "consumer.pem"), str(certs / "consumer.key"),
                          **options)


def in_thread(function):
    """Runs `function` in a thread; returns the thread, whose `.outcome` is
    ("ok", value) or ("error", exception) once it has been joined."""
    def run():
        try:
            thread.outcome = ("ok", function())
        except Exception as error:  # noqa: BLE001 - handed to the test
            thread.outcome = ("error", error)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_every_thread_gets_the_same_connection(hub, certs):
    lazy = lazy_for(hub.address, certs)
    try:
        start = threading.Barrier(8)
        threads = [in_thread(lambda: (start.wait(), lazy.get())[1]) for _ in range(8)]
        for thread in threads:
            thread.join()
        outcomes = [thread.outcome for thread in threads]
        assert all(kind == "ok" for kind, _ in outcomes), outcomes
        assert len({id(connection) for _, connection in outcomes}) == 1
        assert HealthClient(lazy.get()).check().status == 1
    finally:
        lazy.close()


def test_a_closed_connection_is_replaced(hub, certs):
    lazy = lazy_for(hub.address, certs)
    try:
        first = lazy.get()
        assert lazy.get() is first
        first.close()  # as when the hub restarted or the network broke
        second = lazy.get()
        assert second is not first and not second.closed
        assert HealthClient(second).check().status == 1
        lazy.close()
        assert second.closed, "close() closes the connection"
        assert HealthClient(lazy.get()).check().status == 1, "and the next get() opens another"
    finally:
        lazy.close()


def test_nothing_listening_is_a_connect_error_and_the_next_call_tries_again(certs):
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        address = "127.0.0.1:%d" % placeholder.getsockname()[1]  # bound, not listening: refused
        lazy = lazy_for(address, certs, connect_timeout=5)
        for _ in range(2):
            with pytest.raises(ConnectError) as raised:
                lazy.get()
            assert raised.value.code == StatusCode.UNAVAILABLE and "cannot connect to " + address in raised.value.message


def test_callers_do_not_queue_behind_a_connect_to_an_unreachable_hub(certs):
    # A "hub" that takes the TCP connection and never answers the TLS
    # handshake: a connect stalls until this test ends it (or for the whole
    # connect timeout), as with the hub's packets dropped.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        lazy = lazy_for("127.0.0.1:%d" % listener.getsockname()[1], certs, connect_timeout=10)

        first = in_thread(lazy.get)
        stalled, _ = listener.accept()
        stalled.close()  # the first attempt fails: the hub is unreachable
        first.join()
        assert first.outcome[0] == "error" and isinstance(first.outcome[1], ConnectError)

        second = in_thread(lazy.get)
        stalled, _ = listener.accept()  # the second attempt is under way
        try:
            # Another caller now fails at once, without waiting for that attempt or making its own.
            with pytest.raises(ConnectError) as raised:
                lazy.get()
            assert raised.value.code == StatusCode.UNAVAILABLE and "trying again after" in raised.value.message
        finally:
            stalled.close()
        second.join()
        assert second.outcome[0] == "error"
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # two attempts in all: nobody else connected


def test_after_fork_the_child_opens_its_own_and_leaves_the_parents_alone(hub, certs):
    lazy = lazy_for(hub.address, certs)
    try:
        parent = lazy.get()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report, and leave without running the parent's cleanup
            try:
                mine = lazy.get()
                ok = mine is not parent and HealthClient(mine).check().status == 1
                lazy.close()
                os.write(write, b"ok" if ok else b"shared")
            except BaseException as error:  # noqa: BLE001 - reported to the parent
                os.write(write, repr(error).encode()[:500])
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            # A child that hangs (fork() of a process with threads) fails the test rather than stalling it.
            ready, _, _ = select.select([pipe], [], [], 60)
            said = pipe.read().decode() if ready else "no answer from the child"
        if not ready:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert said == "ok"
        assert lazy.get() is parent and HealthClient(parent).check().status == 1, "the child did not close the parent's"
    finally:
        lazy.close()
