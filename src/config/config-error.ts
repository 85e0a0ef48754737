/**
 * A configuration problem the user must fix: unreadable or invalid TOML, an unknown key,
 * a value of the wrong type. The message names the file and the key, ready to print.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** The configuration file, as shown to the user (absent for command-line values). */
    readonly file?: string,
    /** The offending key, e.g. `target-version`. */
    readonly key?: string,
  ) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.name = 'ConfigError';
  }
}
