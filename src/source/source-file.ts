/**
 * A Python source read from disk and decoded, ready to parse.
 * `text` is what the parser sees; edits are expressed against it and re-encoded with
 * `encoding` (and the BOM, if there was one) when written back.
 */
export interface SourceFile {
  /** Absolute path on disk. */
  absolutePath: string;
  /** Path as shown to the user. */
  path: string;
  text: string;
  /** Codec the bytes were decoded with: `utf-8` unless a PEP 263 cookie says otherwise. */
  encoding: string;
  bom: boolean;
  /** Present for Jupyter notebooks: where each code cell sits in `text`. */
  notebook?: NotebookLayout;
}

export interface NotebookCell {
  /** 1-based number of the cell among all cells of the notebook, as Jupyter counts them. */
  cell: number;
  /** 0-based line in `text` where this cell's source starts. */
  firstLine: number;
  /** Number of lines of this cell in `text`. */
  lineCount: number;
}

export interface NotebookLayout {
  cells: NotebookCell[];
}
