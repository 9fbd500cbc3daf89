"""ConsentHub client: framing, a multiplexed TLS connection, and a client per service.

    from consenthub import connect, HealthClient
    with connect("127.0.0.1:7443", "dev-certs/ca.pem", "dev-certs/consumer.pem", "dev-certs/consumer.key") as conn:
        print(HealthClient(conn).check())
"""

from .client import HealthClient, connect
from .connection import Connection
from .framing import FrameDecoder, FrameTooLarge, encode_frame
from .status import RpcError, StatusCode

__all__ = [
    "Connection", "connect", "HealthClient", "FrameDecoder", "FrameTooLarge", "encode_frame",
    "RpcError", "StatusCode",
]
