/**
 * The progress line of `concur verify` on a terminal: what runs now and for how long, redrawn in
 * place on stderr; nothing at all when stderr is not a terminal (a pipe, a file, CI logs).
 */
export class VerifyProgress {
  private label = '';
  private started = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** The command the line speaks for (`concur profile` shares it). */
    private readonly command = 'verify',
  ) {}

  /** Shows `label` with a clock that counts from now. */
  phase(label: string): void {
    if (!this.enabled) return;
    this.label = label;
    this.started = Date.now();
    this.draw();
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  private draw(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const columns = this.stream.columns || 80;
    const text = `${this.command}: ${this.label} ${seconds} s`;
    this.stream.write(`\r\x1b[2K${text.length >= columns ? text.slice(0, columns - 1) : text}`);
    this.shown = true;
  }

  /** Erases the line and stops the clock (call before printing results). */
  clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
