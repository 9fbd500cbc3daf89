"""gunicorn settings for the data source:

    gunicorn -c python:demo_datasource.gunicorn_conf --certfile server.pem --keyfile server.key \
        --bind 127.0.0.1:5003 'demo_datasource:create_app()'

Flags on the command line win over these.
"""

import os
import ssl

from gunicorn.glogging import Logger

from consenthub.masking import mask_national_ids_in

# Callers of the API present a client certificate from the development CA: the
# organisation it names is the consumer (caller.py). The handshake asks for
# one but lets a browser without one in, so a person can read the page that
# describes the API (`make demo` prints its address); every API endpoint
# refuses such a caller (401 caller_unknown). A certificate from another CA
# still fails the handshake.
cert_reqs = ssl.CERT_OPTIONAL
ca_certs = os.environ.get("DATASOURCE_HUB_CA")

# The access log names the path only (%(U)s), never the query string or the
# referrer: queries carry the asked period, referrers may carry anything.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# gunicorn 25.1+ opens a control socket at one fixed path per user: the portal
# and the other demo app run beside this one, and would take it over.
control_socket_disable = True


class MaskedLogger(Logger):
    """gunicorn's logger with any eleven-digit number (a national id in a
    path, or in a request line the error log quotes) masked in both logs."""

    def setup(self, cfg):
        super().setup(cfg)
        mask_national_ids_in(self.error_log, self.access_log)


logger_class = MaskedLogger
