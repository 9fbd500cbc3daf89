"""gunicorn settings for the bank:

    gunicorn -c python:demo_bank.gunicorn_conf --certfile server.pem --keyfile server.key \
        --bind 127.0.0.1:5002 'demo_bank:create_app()'

Flags on the command line win over these.
"""

from gunicorn.glogging import Logger

from consenthub.masking import mask_national_ids_in

# The access log names the path only (%(U)s), never the query string or the
# referrer: /callback's query carries the one-time authorization code.
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
