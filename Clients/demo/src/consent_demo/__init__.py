"""The clickable story of ConsentHub (seed 000): consentd, the citizen's
portal, the demo bank BANKEN AS and the demo data source (NAV, Skatteetaten)
on one machine. `python -m consent_demo` is `make demo`; `stack.Stack` starts
the four for the browser tests; `browser.Story` clicks through them."""

from .stack import Ports, Stack, StackError

__all__ = ["Ports", "Stack", "StackError"]
