/**
 * Making text from the user's code safe in GitHub-flavoured Markdown, where stray `*`, `_`,
 * `[`, `|` or HTML tags would change the layout of a pull-request comment (or run as markup).
 */
const CODE_SPAN = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;

/**
 * One line of Markdown text: concur's `code` spans stay code spans (their content is literal
 * there, `<script>` included); everything else has Markdown's punctuation backslash-escaped and
 * `<` written as an entity (see `plain`). Line breaks become spaces. In a table cell (`inTable`) a
 * `|` ends the cell even inside a code span, so it is escaped there too.
 */
export function markdownText(text: string, options: { inTable?: boolean } = {}): string {
  const line = text.replace(/\r?\n/g, ' ');
  let out = '';
  let last = 0;
  for (const match of line.matchAll(CODE_SPAN)) {
    out += plain(line.slice(last, match.index));
    const code = options.inTable ? match[0].replace(/\|/g, '\\|') : match[0];
    out += code;
    last = match.index! + match[0].length;
  }
  return out + plain(line.slice(last));
}

/**
 * Without `<` no tag can start, and `&` matters only where it would begin an entity; `->`
 * and `a & b` stay readable in the raw text. A `>` is escaped only where it would start a quote.
 */
function plain(text: string): string {
  return text
    .replace(/[\\`*_[\]|~#]/g, '\\$&')
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/^(\s*)>/, '$1\\>');
}

/** Text as one code span, whatever backticks it holds. */
export function codeSpan(text: string, options: { inTable?: boolean } = {}): string {
  const line = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const padded = line.startsWith('`') || line.endsWith('`') ? ` ${line} ` : line;
  return `${ticks}${options.inTable ? padded.replace(/\|/g, '\\|') : padded}${ticks}`;
}

/** A fenced code block whose fence is longer than any run of backticks in `text`. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}
