/**
 * Escaping the user's text into the reports: HTML element content and attributes, JSON inside
 * a <script> element, and GitHub Markdown (inline text, table cells, code spans and fences).
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, inlineScript, richText, scriptSafeJson } from '../../src/report/html-escape.js';
import { codeBlock, codeSpan, markdownText } from '../../src/report/markdown-escape.js';
import { chartJsLibrary } from '../../src/report/chart-library.js';

describe('HTML escaping', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('shows concur\'s `code` spans as <code>, escaped inside and out', () => {
    expect(richText('Blocking call `open("<x>")` in <main>')).toBe('Blocking call <code>open(&quot;&lt;x&gt;&quot;)</code> in &lt;main&gt;');
    // An unmatched backtick stays a backtick.
    expect(richText('a ` b')).toBe('a ` b');
    expect(richText('``a`b`` c')).toBe('<code>a`b</code> c');
  });

  it('writes JSON that cannot end its <script> element and parses back to the same value', () => {
    const value = { label: '</script><script>alert(1)</script>', comment: '<!-- x -->', amp: 'a & b', separators: '\u2028\u2029' };
    const text = scriptSafeJson(value);
    expect(text).not.toMatch(/<|>|&|\u2028|\u2029/);
    expect(JSON.parse(text)).toEqual(value);
    // Valid as a JavaScript expression too.
    expect(new Function(`return ${text};`)()).toEqual(value);
  });

  it('refuses to inline a script that would end its element early; Chart.js inlines as it is', () => {
    expect(() => inlineScript('var s = "</script>";')).toThrow(/cannot be inlined/);
    expect(() => inlineScript('var s = "<!--";')).toThrow(/cannot be inlined/);
    const { source, version } = chartJsLibrary();
    expect(version).toMatch(/^4\./);
    expect(source.length).toBeGreaterThan(100_000);
    expect(inlineScript(source)).toBe(source);
  });
});

describe('Markdown escaping', () => {
  it('keeps code spans literal and escapes Markdown and HTML outside them', () => {
    expect(markdownText('Call `open("<x>")` in *main* <script>alert(1)</script> [link](x) a_b')).toBe(
      'Call `open("<x>")` in \\*main\\* &lt;script>alert(1)&lt;/script> \\[link\\](x) a\\_b',
    );
    // Readable where nothing can happen; escaped where an entity or a quote would begin.
    expect(markdownText('main -> load() & save()')).toBe('main -> load() & save()');
    expect(markdownText('&lt; is not <')).toBe('&amp;lt; is not &lt;');
    expect(markdownText('> quoted')).toBe('\\> quoted');
  });

  it('escapes pipes in table cells, inside code spans too, and joins lines', () => {
    expect(markdownText('a | b `c | d`\nnext', { inTable: true })).toBe('a \\| b `c \\| d` next');
    // Outside a table a pipe in a code span is literal (a backslash would show).
    expect(markdownText('`c | d`')).toBe('`c | d`');
  });

  it('makes code spans and fences longer than the backticks they hold', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeBlock('print(1)\n', 'diff')).toBe('```diff\nprint(1)\n```');
    expect(codeBlock('+"""\n+```\n+````', 'diff')).toBe('`````diff\n+"""\n+```\n+````\n`````');
  });
});
