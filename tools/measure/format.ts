/** Markdown tables and numbers for the stdout of `npm run cost` and the benchmarks (bench/). */

export type Align = 'left' | 'right';

/** A markdown table padded to line up in a terminal too. Columns are right-aligned unless told. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const alignOf = (column: number): Align => align[column] ?? (column === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]) =>
    `| ${widths
      .map((width, column) => {
        const cell = cells[column] ?? '';
        return alignOf(column) === 'left' ? cell.padEnd(width) : cell.padStart(width);
      })
      .join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (alignOf(column) === 'left' ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A number with a fixed count of decimals and thousands separators. */
export function num(value: number, decimals = 1): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function ratio(value: number): string {
  return `${num(value, 2)}×`;
}

export function kib(bytes: number): string {
  return num(bytes / 1024, 1);
}

export function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}
