"""`make screenshots`: the README's pictures, from a fresh stack in a
temporary directory, by the same clicks as the browser tests.

    python -m consent_demo.screenshots --bin DIR --out docs/screenshots

Writes consent-page-nb.png and consent-page-en.png (the NAV consent page in
Bokmål and English), bank-result.png (the bank after the answer: the token's
claims and the data) and my-consents.png (My consents with the Samtykkelogg).
"""

import argparse
import pathlib
import sys
import tempfile

from .browser import HAAKON, Story, chromium
from .stack import Stack


def full_page(driver, path, width=1280, most=2400):
    """The whole page (up to `most` pixels), not only the window: the window
    is made as tall as the page."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(max(int(height) + 40, 700), most))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 1100)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m consent_demo.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="where consentd and consentctl are")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="consent-screenshots-") as work, Stack(args.bin, work) as stack:
        driver = chromium()
        try:
            story = Story(driver, stack)
            story.apply(product="insurance", flow="api", language="nb-NO",
                        purpose="Behandle søknaden din om uføreforsikring")
            story.login(HAAKON, 4)
            full_page(driver, out / "consent-page-nb.png")
            consent_page = story.url.split("?")[0]
            driver.get(consent_page + "?lang=en")
            story.wait_for('button[name="decision"]')
            full_page(driver, out / "consent-page-en.png")
            driver.get(consent_page + "?lang=nb-NO")
            story.wait_for('button[name="decision"]')
            story.answer("accept")
            story.wait_for("#token-claims")
            full_page(driver, out / "bank-result.png", most=1500)  # the claims and the start of the data
            story.my_consents(language="nb-NO")
            full_page(driver, out / "my-consents.png")
        finally:
            driver.quit()
    for name in ("consent-page-nb", "consent-page-en", "bank-result", "my-consents"):
        print(out / (name + ".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
