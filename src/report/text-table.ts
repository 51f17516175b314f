/**
 * A plain aligned text table for terminals: multi-line headers, left- or right-aligned columns,
 * cells that may carry ANSI styling (alignment uses the visible width).
 */
import { padEnd, padStart, paint, visibleWidth } from './ansi.ts';

export interface TextColumn {
  /** Header lines, top to bottom (e.g. name, then unit). */
  readonly header: readonly string[];
  readonly align: 'left' | 'right';
}

export interface TextTableOptions {
  readonly color: boolean;
  /** Spaces between columns. @defaultValue 2 */
  readonly gap?: number;
}

export function renderTextTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[], options: TextTableOptions): string {
  const gap = ' '.repeat(options.gap ?? 2);
  const headerHeight = Math.max(...columns.map((column) => column.header.length));
  const widths = columns.map((column, index) =>
    Math.max(...column.header.map(visibleWidth), ...rows.map((row) => visibleWidth(row[index] ?? ''))));
  const align = (text: string, index: number): string =>
    (columns[index]?.align === 'right' ? padStart : padEnd)(text, widths[index] ?? 0);
  const lines: string[] = [];
  for (let line = 0; line < headerHeight; line += 1) {
    // Bottom-align headers so units sit on the last header line of every column.
    const cells = columns.map((column, index) => align(column.header[line - (headerHeight - column.header.length)] ?? '', index));
    lines.push(paint(cells.join(gap).trimEnd(), 'bold', options.color));
  }
  lines.push(paint(widths.map((width) => '─'.repeat(width)).join(gap), 'dim', options.color));
  for (const row of rows) lines.push(columns.map((_, index) => align(row[index] ?? '', index)).join(gap).trimEnd());
  return lines.join('\n');
}
