import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A displayed path as a SARIF artifact URI: relative paths become relative URI references
 * (forward slashes, each segment percent-encoded), absolute paths become `file:` URIs.
 */
export function artifactUri(displayPath: string): string {
  const wellFormed = replaceLoneSurrogates(displayPath);
  if (path.isAbsolute(wellFormed)) return pathToFileURL(wellFormed).href;
  // On Windows both separators occur; elsewhere a backslash is part of a name and gets encoded.
  const segments = process.platform === 'win32' ? wellFormed.split(/[\\/]/) : wellFormed.split('/');
  return segments.map(encodeURIComponent).join('/');
}

/** A base URI for `originalUriBaseIds`: an absolute URI ending with a slash, from a URI or a directory path. */
export function baseUriOf(base: string): string {
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(base); // two letters at least: `C:` is a drive
  const uri = hasScheme ? base : pathToFileURL(path.resolve(base)).href;
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** encodeURIComponent throws on unpaired surrogates, which an odd file name can contain. */
function replaceLoneSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
