/**
 * ANSI styling for terminal reports. Render functions take `color: boolean` and never look at the
 * environment themselves; CLIs decide once with `shouldUseColor(process.stdout)`.
 */

const codes = {
  bold: [1, 22], dim: [2, 22], underline: [4, 24],
  red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], gray: [90, 39],
} as const;

export type AnsiStyle = keyof typeof codes;

/** `text` wrapped in the given styles when `enabled`, unchanged otherwise. */
export function paint(text: string, styles: AnsiStyle | readonly AnsiStyle[], enabled: boolean): string {
  if (!enabled || text.length === 0) return text;
  const list = typeof styles === 'string' ? [styles] : styles;
  const open = list.map((style) => `\u001b[${codes[style][0]}m`).join('');
  const close = [...list].reverse().map((style) => `\u001b[${codes[style][1]}m`).join('');
  return `${open}${text}${close}`;
}

const ansiPattern = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ansiPattern, '');
}

/** Width of `text` on a terminal, ignoring ANSI styling (all our glyphs are one column wide). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleWidth(text))) + text;
}

export interface ColorStream {
  readonly isTTY?: boolean;
}

/**
 * Whether a CLI should color what it writes to `stream`: never when NO_COLOR is set (no-color.org),
 * always when FORCE_COLOR is set to anything but `0`, otherwise only on a TTY that is not `dumb`.
 */
export function shouldUseColor(stream: ColorStream, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
