/**
 * Making text from the user's code safe in HTML: file names, messages, source lines, program
 * output. Everything that is not markup written here goes through these functions.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * A message with its `code` in backticks, as concur writes them: escaped, and each backtick
 * span shown as <code>. The spans are found in the escaped text (escaping keeps backticks).
 */
export function richText(text: string): string {
  return escapeHtml(text).replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, _ticks: string, code: string) => `<code>${code}</code>`);
}

/**
 * JSON for a <script type="application/json"> element. Inside <script> the HTML parser ends the
 * element at the first `</script` whatever JSON thinks, and `<!--` changes how it reads on: so
 * `<`, `>` and `&` are written as \u escapes (the same string to JSON.parse). U+2028 and U+2029
 * too, so that the text is also valid as a JavaScript literal.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A script's source for an inline <script> element. Library code is not user data, but the
 * element must still not end early: `</script` and `<!--` cannot stand in it.
 */
export function inlineScript(source: string): string {
  if (/<\/script|<!--/i.test(source)) throw new Error('script text contains </script or <!--: it cannot be inlined as it is');
  return source;
}
