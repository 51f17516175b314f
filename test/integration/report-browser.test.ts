/**
 * The HTML reports in a real headless Chromium: they render from file:// without any network, the
 * charts are drawn (non-empty canvases), tables are complete, hover works, and nothing logs an error.
 * Screenshots go to /tmp/report*.png for a person to look at.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderForecastHtml } from '../../src/report/forecast-html.ts';
import { renderPlanHtml } from '../../src/report/plan-html.ts';
import { renderSimulationHtml } from '../../src/report/simulation-html.ts';
import { forecast, history, inventory, plan, promotionOccurrence, simulationResult } from '../unit/report/fixtures.ts';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let browser: Browser;
let directory: string;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  directory = mkdtempSync(join(tmpdir(), 'chuanliu-report-'));
});

afterAll(async () => {
  await browser?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

interface LoadedPage {
  readonly page: Page;
  readonly problems: string[];
  readonly networkRequests: string[];
}

async function load(name: string, html: string): Promise<LoadedPage> {
  const file = join(directory, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  const networkRequests: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => { if (!request.url().startsWith('file:')) networkRequests.push(request.url()); });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForSelector('.uplot canvas');
  return { page, problems, networkRequests };
}

/** The part of a browser canvas the pixel check uses (tsconfig has no DOM lib: this code runs in the page). */
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
  getBoundingClientRect(): { width: number; height: number };
}

/** Per chart canvas: CSS size and how many pixels are not the white background. */
async function canvases(page: Page): Promise<{ width: number; height: number; inked: number }[]> {
  return page.$$eval('.chart canvas', (elements) => elements.map((element) => {
    const canvas = element as unknown as CanvasLike;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if ((pixels[i + 3] as number) > 0 && ((pixels[i] as number) < 240 || (pixels[i + 1] as number) < 240 || (pixels[i + 2] as number) < 240)) inked += 1;
    }
    const box = canvas.getBoundingClientRect();
    return { width: box.width, height: box.height, inked };
  }));
}

/** Moves the mouse to a fraction of the plot width of the n-th chart's plot area. */
async function hover(page: Page, chartIndex: number, fraction: number): Promise<void> {
  const box = await page.locator('.u-over').nth(chartIndex).boundingBox();
  if (!box) throw new Error(`chart ${chartIndex} has no plot area`);
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
}

describe('HTML reports in headless Chromium', () => {
  it('simulation report renders every chart and the full table, without errors or network', async () => {
    const result = simulationResult();
    const { page, problems, networkRequests } = await load('simulation', renderSimulationHtml(result));
    try {
      expect(await page.title()).toContain('report-fixture');
      const drawn = await canvases(page);
      expect(drawn).toHaveLength(8);
      for (const canvas of drawn) {
        expect(canvas.width).toBeGreaterThan(300);
        expect(canvas.height).toBeGreaterThan(150);
        expect(canvas.inked).toBeGreaterThan(1000);
      }
      expect(await page.locator('table.scores tbody tr').count()).toBe(result.scores.length);
      expect(await page.locator('table.scores td.best').count()).toBeGreaterThan(0);
      expect(await page.locator('.badge').innerText()).toBe('SYNTHETIC');

      // Hover at 20:05 (minute 65 of 0–179): the legend shows the values there, in local time.
      await hover(page, 0, 65 / 179);
      const legend = await page.locator('.u-legend').first().innerText();
      expect(legend).toContain('2024-11-11 20:05');
      expect(legend).toMatch(/demand\s*:?\s*\d/);
      expect(await page.locator('.chart-events').first().innerText()).toBe('events at cursor: tmall 20:00 promotion');
      await page.mouse.move(0, 0);

      await page.screenshot({ path: '/tmp/report.png', fullPage: true });
      expect(problems).toEqual([]);
      expect(networkRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('forecast report renders the band and the components', async () => {
    const { page, problems, networkRequests } = await load('forecast', renderForecastHtml(forecast(), history(), { events: [promotionOccurrence], synthetic: true }));
    try {
      const drawn = await canvases(page);
      expect(drawn).toHaveLength(2);
      for (const canvas of drawn) expect(canvas.inked).toBeGreaterThan(1000);
      expect(await page.locator('table.components tbody tr').count()).toBe(3);
      await page.screenshot({ path: '/tmp/report-forecast.png', fullPage: true });
      expect(problems).toEqual([]);
      expect(networkRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('plan report renders its charts and shows a step message when hovering its marker', async () => {
    const { page, problems, networkRequests } = await load('plan', renderPlanHtml(plan(), { forecasts: [forecast()], inventory, events: [promotionOccurrence] }));
    try {
      const drawn = await canvases(page);
      expect(drawn).toHaveLength(3); // replicas, CPU, forecast vs capacity (the node pool is constant)
      for (const canvas of drawn) expect(canvas.inked).toBeGreaterThan(1000);
      expect(await page.locator('table.steps tbody tr').count()).toBe(plan().steps.length);

      // The first step (settlement release) is written at minute 56 of 0–179.
      await hover(page, 0, 56 / 179);
      const tip = page.locator('.marker-tip').first();
      await expect.poll(() => tip.isVisible()).toBe(true);
      expect(await tip.innerText()).toContain('settlement gives 30 cores back');
      await page.screenshot({ path: '/tmp/report-plan.png', fullPage: true });
      expect(problems).toEqual([]);
      expect(networkRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
