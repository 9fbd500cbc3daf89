"""The Python framing, on its own (no server needed)."""

import random

import pytest

from consent.v1 import rpc_pb2
from consenthub.framing import FrameDecoder, FrameTooLarge, encode_frame


def _stream(bodies):
    return b"".join(encode_frame(b) for b in bodies)


BODIES = [b"", b"\x01", bytes(range(200)), b"\x09" * 3, b"\xab" * 5000]


@pytest.mark.parametrize("split", [1, 2, 3, 4, 5, 7, 64, 1000, 10**6])
def test_any_split_yields_every_frame(split):
    data = _stream(BODIES)
    decoder = FrameDecoder()
    out = []
    for i in range(0, len(data), split):
        out += decoder.feed(data[i:i + split])
    assert out == BODIES
    assert decoder.buffered == 0


def test_random_splits_yield_every_frame():
    rng = random.Random(42)
    data = _stream(BODIES)
    for _ in range(100):
        decoder, out, i = FrameDecoder(), [], 0
        while i < len(data):
            n = rng.randint(1, 700)
            out += decoder.feed(data[i:i + n])
            i += n
        assert out == BODIES


def test_length_over_the_limit_is_refused_before_the_body():
    decoder = FrameDecoder(max_frame_size=1024)
    with pytest.raises(FrameTooLarge) as info:
        decoder.feed(b"\x00\x00\x04\x01")
    assert info.value.length == 1025


def test_maximum_length_is_accepted():
    decoder = FrameDecoder(max_frame_size=1024)
    assert decoder.feed(encode_frame(b"x" * 1024)) == [b"x" * 1024]


def test_frames_carry_protobuf_frames():
    frame = rpc_pb2.Frame(call_id=7, request=rpc_pb2.Request(method="/consent.v1.Health/Check", deadline_ms=5))
    [body] = FrameDecoder().feed(encode_frame(frame.SerializeToString()))
    back = rpc_pb2.Frame()
    back.ParseFromString(body)
    assert back == frame and back.WhichOneof("kind") == "request"
