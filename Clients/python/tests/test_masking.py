"""The national-id mask for log handlers and loggers: every eleven-digit
number goes, in the message, the exception and the stack, whichever logger
made the record; nothing else does."""

import io
import logging
import uuid

import pytest

from consenthub.masking import mask_national_ids, mask_national_ids_in

PID = "15038512363"


@pytest.mark.parametrize("text, masked", [
    (PID, "*" * 11),
    ("/consent/%s" % PID, "/consent/***********"),
    ("RedirectUrl's host %s.evil.example" % PID, "RedirectUrl's host ***********.evil.example"),
    ("'%s' is not a resource id; '%s'" % (PID, PID), "'***********' is not a resource id; '***********'"),
    ("org 910203045, port 7443, at 1718000000000 ms", "org 910203045, port 7443, at 1718000000000 ms"),
    ("twelve 150385123630 digits", "twelve 150385123630 digits"),
])
def test_eleven_digits_and_only_eleven_are_masked(text, masked):
    assert mask_national_ids(text) == masked


def test_a_uuid_stays_whole_though_it_may_hold_eleven_digits_in_a_row():
    for text in ["8dca6b77-aa3f-4ce5-a318-f22440030028", "8dca6b77-aa3f-4ce5-a318-22440030028f"]:
        assert mask_national_ids("request %s accepted" % text) == "request %s accepted" % text
    for _ in range(1000):
        text = str(uuid.uuid4())
        assert mask_national_ids(text) == text
    assert mask_national_ids("8dca6b77-aa3f-4ce5-a318-f22440030028 %s" % PID).endswith(" ***********")


@pytest.fixture
def handler_on(request):
    """A StreamHandler on a fresh logger (not propagating to pytest's), masked; returns (logger, stream)."""
    logger = logging.getLogger("test_masking.%s" % request.node.name)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger.addHandler(handler)
    mask_national_ids_in(handler)
    yield logger, stream
    logger.removeHandler(handler)


def test_a_masked_handler_masks_records_of_child_loggers_with_their_arguments(handler_on):
    logger, stream = handler_on
    logger.getChild("hub").info("CreateRequestFromQuery refused: %s", "'%s' is not a resource id" % PID)
    logger.info('%(h)s "%(m)s %(U)s %(H)s" %(s)s', {"h": "127.0.0.1", "m": "GET", "U": "/consent/" + PID,
                                                   "H": "HTTP/1.1", "s": "303"})  # gunicorn's access log
    assert stream.getvalue().splitlines() == [
        logger.name + ".hub CreateRequestFromQuery refused: '***********' is not a resource id",
        logger.name + ' 127.0.0.1 "GET /consent/*********** HTTP/1.1" 303',
    ]


def test_exceptions_and_stacks_are_masked(handler_on):
    logger, stream = handler_on
    try:
        raise ValueError("no such person: %s" % PID)
    except ValueError:
        logger.exception("Exception on /consent/%s [GET]", PID)
    logger.info("where", stack_info=True)
    written = stream.getvalue()
    assert "ValueError: no such person: ***********" in written
    assert "Exception on /consent/*********** [GET]" in written
    assert "Stack (most recent call last)" in written and PID not in written


def test_adding_the_mask_twice_adds_it_once():
    handler = logging.NullHandler()
    mask_national_ids_in(handler, handler)
    mask_national_ids_in(handler)
    assert len(handler.filters) == 1
