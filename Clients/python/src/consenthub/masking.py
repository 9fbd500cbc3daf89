"""No national identity number in a log line: a logging filter that masks
any eleven-digit number, for the log handlers and loggers of the programs in
front of the hub (the portal, the demo bank and data source, and gunicorn's
error and access logs under them).

    from consenthub.masking import mask_national_ids_in
    mask_national_ids_in(flask.logging.default_handler, app.logger)

It is the last line of defence, not the rule itself: code should not log
what a caller sent (a query, a path, the hub's message quoting either).
"""

import logging
import re

# Eleven digits with no digit on either side: a national identity number
# (fødselsnummer, D-nummer), and nothing else the apps log (ports,
# organisation numbers of nine digits, epoch milliseconds of thirteen).
NATIONAL_ID = re.compile(r"(?<!\d)\d{11}(?!\d)")
MASK = "*" * 11
# A UUID stays whole: a request id is what support looks for in a log, and
# one in 250 has eleven digits in a row in its last group ("…-f22440030028").
_UUID_OR_NATIONAL_ID = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|"
                                  + NATIONAL_ID.pattern)


def mask_national_ids(text):
    """`text` with every eleven-digit number (outside a UUID) replaced by eleven asterisks."""
    return _UUID_OR_NATIONAL_ID.sub(lambda match: match.group(1) or MASK, text)


class MaskNationalIds(logging.Filter):
    """Masks eleven-digit numbers in a record's message, its exception text
    and its stack: on a handler, for every record it writes (whichever logger
    made it); on a logger, for the records made on that logger itself. It
    changes the record, so handlers after it see the masked text too."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask_national_ids(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # What a formatter would write (it keeps exc_text once set).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_national_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_national_ids(record.stack_info)
        return True


_FILTER = MaskNationalIds()  # one instance: adding it twice to the same handler is a no-op


def mask_national_ids_in(*targets):
    """Adds the mask to each logging.Handler or logging.Logger given (once)."""
    for target in targets:
        target.addFilter(_FILTER)
