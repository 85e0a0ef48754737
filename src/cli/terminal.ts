/** What the terminal can show: colour only on a terminal (or when forced), never in a pipe. */
export type ColorChoice = 'auto' | 'always' | 'never';

export function useColor(choice: ColorChoice, stream: NodeJS.WriteStream): boolean {
  if (choice === 'always') return true;
  if (choice === 'never') return false;
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return isInteractive(stream);
}

/**
 * Whether a person is watching `stream`: a terminal, not a pipe or a file. Unlike `useColor`,
 * `--color always` and FORCE_COLOR do not make a pipe interactive (CI logs would fill with
 * carriage returns).
 */
export function isInteractive(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

/** A one-line progress counter on stderr, only on a terminal and only for long runs. */
export class Progress {
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly label: string,
  ) {}

  update(done: number, total: number): void {
    if (!this.enabled || total < 50) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    this.shown = true;
    process.stderr.write(`\r${this.label} ${done}/${total} files`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}
