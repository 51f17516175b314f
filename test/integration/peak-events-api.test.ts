/**
 * PeakEvents over HTTP: the real client-node adapter (adapters/kubernetes/peak-events.ts) against
 * the in-memory kube-api, which serves the CRD's resource with the CRD's validation (the same
 * messages as its CEL rules in manifests/base/crds/peakevents.yaml). The real API server runs the
 * same checks in test/real-cluster once that harness is on main.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubernetesPeakEvents } from '../../src/adapters/kubernetes/peak-events.ts';
import { parsePeakEvent, type PeakEventObject } from '../../src/calendar/peak-event.ts';
import { InputError } from '../../src/domain/errors.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';

let kube: RunningKubeApi;
let events: KubernetesPeakEvents;

beforeAll(async () => {
  kube = await startKubeApi({ clock: systemClock, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  events = new KubernetesPeakEvents({ kubeConfig, namespaces: ['shop'] });
});

afterAll(async () => {
  events?.close();
  await kube?.close();
});

function livestream(name: string, spec: Record<string, unknown> = {}): PeakEventObject {
  return {
    metadata: { name, namespace: 'shop' },
    spec: { kind: 'livestream', start: '2026-11-11T20:05', timeZone: 'Asia/Shanghai', duration: '40m', ramp: '90s', expectedRps: { payment: 4000 }, ...spec },
  };
}

describe('PeakEvents through the Kubernetes API', () => {
  it('create, list, get, status, cancel and delete', async () => {
    const created = await events.create(livestream('flash-2005'));
    expect(created.metadata.resourceVersion).toBeDefined();
    expect((await events.list()).map((item) => item.metadata.name)).toEqual(['flash-2005']);
    expect(parsePeakEvent((await events.get('shop', 'flash-2005'))!, { workloads: ['payment'] }).startMs).toBe(Date.parse('2026-11-11T12:05:00Z'));

    await events.writeStatus('shop', 'flash-2005', { state: 'Planned', lead: '7m', workloads: 'payment', conditions: [{ type: 'Accepted', status: 'True', reason: 'Valid', message: 'ok', lastTransitionTime: '2026-11-11T11:40:00Z' }] });
    // The status subresource keeps the spec; a spec patch keeps the status.
    const cancelled = await events.patchSpec('shop', 'flash-2005', { cancelled: true });
    expect(cancelled.spec).toMatchObject({ cancelled: true, kind: 'livestream' });
    expect(cancelled.status).toMatchObject({ state: 'Planned', lead: '7m' });

    await events.delete('shop', 'flash-2005');
    expect(await events.get('shop', 'flash-2005')).toBeUndefined();
  });

  it.each([
    [{ uplift: 0.5, expectedRps: undefined }, /spec\.uplift: Invalid value: "number": uplift must be a factor above 1/],
    [{ uplift: 2 }, /give exactly one of uplift .* or expectedRps/],
    [{ kind: 'blackout' }, /spec\.kind: Unsupported value: "blackout"/],
    [{ duration: '10m', ramp: '20m' }, /ramp must be no longer than the duration/],
    [{ duration: '0s' }, /duration must be positive: the event must start before it ends/],
    [{ timeZone: 'not a zone' }, /timeZone must be an IANA name/],
    [{ start: 'tonight' }, /start must be ISO 8601/],
  ])('the API server refuses %j with a readable message (nothing stored)', async (spec, message) => {
    const attempt = events.create(livestream('bad', spec));
    await expect(attempt).rejects.toThrow(InputError);
    await expect(events.create(livestream('bad', spec))).rejects.toThrow(message);
    expect(await events.get('shop', 'bad')).toBeUndefined();
  });

  it('every CEL message of the CRD is one the emulation answers with', async () => {
    const crd = parse(await readFile('manifests/base/crds/peakevents.yaml', 'utf8')) as unknown;
    const messages: string[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'x-kubernetes-validations') messages.push(...(value as { message: string }[]).map((rule) => rule.message));
          else visit(value);
        }
      }
    };
    visit(crd);
    const refusals = await Promise.all([
      { start: 'tonight' }, { timeZone: 'x y' }, { duration: 'soon' }, { ramp: 'soon' }, { expectedRps: { payment: -1 } },
      { uplift: 0.5, expectedRps: undefined }, { uplift: 2 }, { duration: '0s' }, { duration: '10m', ramp: '20m' },
    ].map((spec) => events.create(livestream('probe', spec)).then(() => '', (error: Error) => error.message)));
    for (const message of messages) expect(refusals.join('\n'), message).toContain(message);
  });
});
