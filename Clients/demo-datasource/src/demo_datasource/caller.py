"""Who is calling: the organisation whose client certificate opened the TLS
connection — never anything the caller writes in the request.

gunicorn, run with `--ca-certs <dev CA> --cert-reqs 1` (gunicorn_conf.py),
refuses a handshake with a certificate from another CA, lets one without a
certificate in (for the page at /; the API refuses it), and hands the application the TLS socket
as `environ["gunicorn.socket"]`. The organisation number is the subject's
`serialNumber`, else its `CN`, as consentd reads it (DESIGN §6).
"""

import re

_ORGANISATION_NUMBER = re.compile(r"^\d{9}$")


def caller_organisation(environ):
    """The caller's 9-digit organisation number, or None when the connection
    carries no verified client certificate or its subject names none."""
    certificate = _peer_certificate(environ)
    if not certificate:
        return None
    # The subject is a sequence of relative distinguished names, each a
    # sequence of (name, value); the last value of a name is the most specific.
    subject = {name: value for rdn in certificate.get("subject", ()) for name, value in rdn}
    identity = subject.get("serialNumber") or subject.get("commonName") or ""
    return identity if _ORGANISATION_NUMBER.match(identity) else None


def _peer_certificate(environ):
    getpeercert = getattr(environ.get("gunicorn.socket"), "getpeercert", None)
    if getpeercert is None:
        return None  # not TLS, or not gunicorn
    try:
        # Only a certificate the TLS layer verified is returned (an empty dict otherwise).
        return getpeercert()
    except (ValueError, OSError):
        return None
