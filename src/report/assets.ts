/**
 * Static assets inlined into every HTML report so the file works offline and from file://: the uPlot
 * chart library (MIT) and our small chart client. Read once, at first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReportAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
  readonly chartClientJs: string;
}

let cached: ReportAssets | undefined;

export function loadReportAssets(): ReportAssets {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const uplotDist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
    cached = {
      uplotJs: readFileSync(join(uplotDist, 'uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(join(uplotDist, 'uPlot.min.css'), 'utf8'),
      chartClientJs: readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'html', 'chart-client.js'), 'utf8'),
    };
  }
  return cached;
}
