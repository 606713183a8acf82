"""What a page shows, read in a real browser, and the strings in it left in the wrong language."""

import re

# Every string a visible element shows: its text, its labels and placeholders, the options of its
# selects, the page title. Data (names, messages, ids) is marked translate="no" and left out.
SHOWN_JS = """
() => {
  const shown = [document.title];
  const skip = (el) => !el || el.closest('script, style, noscript, template, [translate="no"]');
  const visible = (el) => el.checkVisibility({ visibilityProperty: true });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (skip(el) || !(visible(el) || el.closest('svg'))) continue;
    const text = walker.currentNode.textContent.trim();
    if (text) shown.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], input[type=submit], input[type=button], option')) {
    const host = el.tagName === 'OPTION' ? el.closest('select') : el;
    if (skip(el) || !host || !visible(host)) continue;
    for (const name of ['placeholder', 'aria-label', 'title']) if (el.getAttribute(name)) shown.push(el.getAttribute(name));
    if (el.tagName === 'INPUT') shown.push(el.value);
    if (el.tagName === 'OPTION') shown.push(el.textContent.trim());
  }
  return shown.filter(Boolean);
}
"""

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
HAN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
# Names of things, not words to translate.
ALWAYS_LATIN = {"OpenID", "ID", "CSV", "JSON", "Django", "Enter", "Shift"}


async def shown_strings(page):
    """Return every string the page shows a person now."""
    return await page.evaluate(SHOWN_JS)


def untranslated(strings, language, allowed=()):
    """Return the strings that are not in `language`: English words in zh-hans, Chinese in en."""
    allowed = ALWAYS_LATIN | set(allowed)
    if language == "en":
        return [s for s in strings if HAN.search(s)]
    return [s for s in strings if any(word not in allowed for word in LATIN_WORD.findall(s))]
