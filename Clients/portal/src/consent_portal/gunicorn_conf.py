"""gunicorn settings for the portal: `gunicorn -c python:consent_portal.gunicorn_conf …`.

The access log names the path only, never the query string: an Altinn 2
link carries the request in its query, and `OfferedBy` may be a national
identity number. No Referer either (it is a URL with a query too). A path can
still hold one (someone opening /consent/<a national id>), and gunicorn's own
error log can quote a request line (a malformed request): a filter masks any
eleven-digit number in both logs. The app's own log (Flask's handler, which
writes to gunicorn's error stream without passing gunicorn's logger) is
masked by create_app.
"""

from gunicorn.glogging import Logger

from consenthub.masking import mask_national_ids_in

accesslog = "-"
errorlog = "-"
# remote address, time, "METHOD /path PROTOCOL", status, bytes, milliseconds
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
worker_class = "gthread"
# gunicorn 25.1+ opens a control socket at one fixed path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second gunicorn on the
# machine (the demo bank, another test run) would take it over. Not needed here.
control_socket_disable = True


class PortalLogger(Logger):
    """gunicorn's logger with national ids masked in the error and access logs."""

    def setup(self, cfg):
        super().setup(cfg)
        mask_national_ids_in(self.error_log, self.access_log)


logger_class = PortalLogger
