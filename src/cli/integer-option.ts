/**
 * Parses an integer command-line option strictly ("1e6" and "12abc" are refused), with a clear message.
 */
/** Bad command-line usage: the CLI prints it with the usage text and exits with code 2. */
export class OptionError extends Error {}

/** e.g. `parseInteger("1000000", "--events", 0) === 1_000_000`; throws OptionError naming the option. */
export function parseInteger(text: string, option: string, min = Number.MIN_SAFE_INTEGER): number {
  const trimmed = text.trim().replaceAll("_", "");
  if (!/^-?\d+$/.test(trimmed))
    throw new OptionError(`${option} must be an integer, got ${JSON.stringify(text)}`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new OptionError(`${option} is too large: ${text}`);
  if (value < min) throw new OptionError(`${option} must be ≥ ${min}, got ${value}`);
  return value;
}
