"""`make demo`: starts consentd, the portal, the demo bank and the demo data
source, prints one line each, and stops all four on Ctrl-C (or SIGTERM).

    python -m consent_demo --bin "$(swift build -c release --show-bin-path)" --dir ./demo-data
"""

import argparse
import pathlib
import signal
import sys
import threading

from .stack import Ports, Stack, StackError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m consent_demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="where consentd and consentctl are")
    parser.add_argument("--dir", default="demo-data", help="certificates, data and logs (default ./demo-data)")
    parser.add_argument("--hub-port", type=int, default=7444, help="consentd on 127.0.0.1 (default 7444; 0: any)")
    parser.add_argument("--portal-port", type=int, default=8443)
    parser.add_argument("--bank-port", type=int, default=8444)
    parser.add_argument("--datasource-port", type=int, default=8445)
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    work = pathlib.Path(args.dir).resolve()
    stack = Stack(args.bin, work, ports=Ports(args.hub_port, args.portal_port, args.bank_port, args.datasource_port))
    print("starting consentd, the portal, the bank and the data source (logs in %s)…" % stack.logs, flush=True)
    try:
        stack.start()
    except StackError as error:
        print("make demo: %s" % error, file=sys.stderr)
        return 1
    try:
        print()
        print("portal: %s/" % stack.portal_url)
        print("bank: %s/" % stack.bank_url)
        print("datasource: %s/" % stack.datasource_url)
        print()
        print("Open the bank, apply, and follow the browser: log in at the portal as one of its test persons,")
        print("consent, and come back to the bank with the data. My consents: %s/profile/consents" % stack.portal_url)
        print("The certificates come from the development CA (%s): let the browser" % (stack.certs / "ca.pem"))
        print("trust it, or accept the warning once per address. consentd: %s. Ctrl-C stops all four." % stack.hub_address)
        while not stop.wait(1):
            failed = stack.failed()
            if failed:
                name, status = failed[0]
                print("make demo: %s exited (status %s); stopping the rest.\n%s" % (name, status, stack.log_tail(name)),
                      file=sys.stderr)
                return 1
        print("\nstopping…", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
