import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

/** Colour functions that are identity functions when `enabled` is false, whatever the terminal supports. */
export function terminalColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}
