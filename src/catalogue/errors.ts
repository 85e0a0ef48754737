/** A catalogue entry or data file that does not match the schema; the message names where it came from. */
export class CatalogueError extends Error {
  constructor(
    message: string,
    /** The data file or configuration the entry came from. */
    readonly origin: string,
    /** The qualified-name key of the offending entry, when one is to blame. */
    readonly key?: string,
  ) {
    super(key === undefined ? `${origin}: ${message}` : `${origin}: ["${key}"]: ${message}`);
    this.name = 'CatalogueError';
  }
}
