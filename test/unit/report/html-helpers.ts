/** Reading back what an HTML report embeds, for the report tests. */
import type { ChartPageData } from '../../../src/report/html/chart-spec.ts';

export function embeddedData(html: string): ChartPageData {
  const match = /<script type="application\/json" id="chuanliu-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no embedded chart data');
  return JSON.parse(match[1] as string) as ChartPageData;
}

/** Patterns by which a page would load something from elsewhere. */
export const externalReferencePatterns: readonly RegExp[] = [
  /\b(?:src|href|action|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i,
  /url\(\s*["']?\s*(?:https?:)?\/\//i,
  /@import/i,
  /<link\b/i,
  /<iframe\b/i,
  /<script\b[^>]*\bsrc\s*=/i,
];

/** Every `http(s)://` occurrence with some context, for checking that each one is only text. */
export function urlOccurrences(html: string): string[] {
  return [...html.matchAll(/https?:\/\/[^\s"'<>)]*/g)].map((match) => match[0]);
}
