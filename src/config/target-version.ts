import { ConfigError } from './config-error.js';

/** Python versions concur knows how to target, oldest first. */
export const SUPPORTED_MINOR_VERSIONS = { min: 8, max: 14 } as const;

/**
 * `py311` or `3.11` -> [3, 11], for `--target-version` and the `target-version` key.
 * Throws a ConfigError naming the accepted range otherwise.
 */
export function parseTargetVersion(value: string): [number, number] {
  const match = /^(?:py3(\d{1,2})|3\.(\d{1,2}))$/.exec(value.trim());
  const minor = match ? Number(match[1] ?? match[2]) : NaN;
  if (!(minor >= SUPPORTED_MINOR_VERSIONS.min && minor <= SUPPORTED_MINOR_VERSIONS.max)) {
    const { min, max } = SUPPORTED_MINOR_VERSIONS;
    throw new ConfigError(
      `invalid target version "${value}": expected one of py3${min}..py3${max} (or 3.${min}..3.${max})`,
    );
  }
  return [3, minor];
}
