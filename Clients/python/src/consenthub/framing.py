"""Length-prefixed framing: uint32 big-endian length, then one serialized consent.v1.Frame.

Written from docs/PROTOCOL.md alone, independently of the Swift implementation,
so that the two keep each other honest.
"""

import struct

DEFAULT_MAX_FRAME_SIZE = 4 * 1024 * 1024
_PREFIX = struct.Struct(">I")


class FrameTooLarge(Exception):
    def __init__(self, length, limit):
        self.length = length
        self.limit = limit
        super().__init__("frame of %d bytes exceeds the limit of %d bytes" % (length, limit))


def encode_frame(body):
    """One frame on the wire: the 4-byte big-endian length, then the body."""
    return _PREFIX.pack(len(body)) + body


class FrameDecoder:
    """Turns a byte stream, split anyhow across reads, into frame bodies.

    The announced length is checked against the limit before the body is
    waited for, so a peer cannot make us buffer more than the limit.
    """

    def __init__(self, max_frame_size=DEFAULT_MAX_FRAME_SIZE):
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()
        self._offset = 0

    def feed(self, data):
        """Adds received bytes and returns the list of complete frame bodies now available."""
        self._buffer += data
        frames = []
        while True:
            available = len(self._buffer) - self._offset
            if available < 4:
                break
            (length,) = _PREFIX.unpack_from(self._buffer, self._offset)
            if length > self.max_frame_size:
                raise FrameTooLarge(length, self.max_frame_size)
            if available < 4 + length:
                break
            start = self._offset + 4
            frames.append(bytes(self._buffer[start:start + length]))
            self._offset = start + length
        if self._offset and self._offset * 2 >= len(self._buffer):
            del self._buffer[:self._offset]
            self._offset = 0
        return frames

    @property
    def buffered(self):
        return len(self._buffer) - self._offset
