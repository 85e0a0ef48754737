/** A file found on disk that concur will read and analyse. */
export interface DiscoveredFile {
  absolutePath: string;
  /** Display path: relative to the working directory with forward slashes if inside it, else absolute. */
  path: string;
  kind: 'python' | 'notebook';
}

export function fileKind(name: string): DiscoveredFile['kind'] {
  return name.endsWith('.ipynb') ? 'notebook' : 'python';
}

/** The files a directory walk collects (`.pyi` stubs describe types, not behaviour: skipped). */
export function isAnalysableName(name: string): boolean {
  return name.endsWith('.py') || name.endsWith('.ipynb');
}
