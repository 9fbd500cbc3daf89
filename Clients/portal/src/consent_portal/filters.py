"""Jinja filters. Each escapes what it is given: text from the hub (a
consumer's purpose, a resource's text, names) is never trusted as markup."""

from markupsafe import Markup


def text_blocks(text):
    """Paragraphs and lists from plain text: each line a paragraph, and runs
    of lines starting with "- " a bulleted list (the resource texts of the
    registry are written so). Every piece is escaped."""
    parts, items = [], []

    def close_list():
        if items:
            parts.append(Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % item for item in items))
            items.clear()

    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(line[2:].strip())
            continue
        close_list()
        if line:
            parts.append(Markup("<p>%s</p>") % line)
    close_list()
    return Markup("\n").join(parts)


def organisation_number(number):
    """`910203045` -> `910 203 045`, as printed on Norwegian documents."""
    number = str(number or "")
    if len(number) != 9:
        return number
    return "%s %s %s" % (number[:3], number[3:6], number[6:])
