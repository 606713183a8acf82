// Checks on the text of a customer message, made before it is queued: a
// message the server must refuse would otherwise sit in the persisted outbox
// and be offered again after every reconnect.
export const MAX_TEXT_CHARS = 4000;
// The message of the `error` event for each code textProblem returns.
export const TEXT_MESSAGES = {
  text_length: 'text must be 1-4000 characters',
  bad_text: 'text is not valid Unicode (a lone surrogate, such as half an emoji)',
};

/**
 * True when `s` holds a UTF-16 surrogate without its partner (an emoji cut
 * in half by a length limit or a bad paste). Such text is not valid Unicode:
 * it has no UTF-8 form, so the server cannot store it.
 */
export function hasLoneSurrogate(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Count characters as the server does (code points, not UTF-16 units). */
export function charCount(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

/** The error code for a text the server would refuse, or null when it is fine. */
export function textProblem(text) {
  if (typeof text !== 'string') return 'bad_text';
  const n = charCount(text);
  if (n < 1 || n > MAX_TEXT_CHARS) return 'text_length';
  if (hasLoneSurrogate(text)) return 'bad_text';
  return null;
}
