"""gunicorn settings for the portal: `gunicorn -c python:consent_portal.gunicorn_conf …`.

The access log names the path only, never the query string: an Altinn 2
link carries the request in its query, and `OfferedBy` may be a national
identity number. No Referer either (it is a URL with a query too). gunicorn's
own error log can quote a request line (a malformed request, an error in the
app); a filter masks any eleven-digit number there.
"""

import logging
import re

from gunicorn.glogging import Logger

accesslog = "-"
errorlog = "-"
# remote address, time, "METHOD /path PROTOCOL", status, bytes, milliseconds
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
worker_class = "gthread"
# gunicorn 25.1+ opens a control socket at one fixed path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second gunicorn on the
# machine (the demo bank, another test run) would take it over. Not needed here.
control_socket_disable = True


_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


class _MaskNationalIds(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = _ELEVEN_DIGITS.sub("***********", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class PortalLogger(Logger):
    """gunicorn's logger with national ids masked in the error log."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_MaskNationalIds())


logger_class = PortalLogger
