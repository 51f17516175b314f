/**
 * kube-api's HTTP front: a Kubernetes API subset on 127.0.0.1 that client-node and kubectl talk to
 * unchanged. Every request passes the fault injector, then the API, and lands in the request log.
 *
 * Test hooks under /_chuanliu/ (not part of the Kubernetes API, never logged):
 *   GET /_chuanliu/requests?since=SEQ   request log entries after SEQ (JSON array)
 *   DELETE /_chuanliu/requests          clear the request log
 *   GET|PUT /_chuanliu/faults           read or replace the fault rules ({ rules, seed? })
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../ports/clock.ts';
import { KubeApi, parseSelectors } from './api.ts';
import { coreVersionsDocument, groupDocumentFor, groupListDocument, resourceListDocument, versionDocument } from './discovery.ts';
import { FaultInjector, type FaultRule, type InjectedFailure } from './faults.ts';
import { patchContentTypes } from './patch.ts';
import { RequestLog, type RequestLogEntry } from './request-log.ts';
import { route, type Route } from './router.ts';
import { ApiError, badRequest, conflict, internalError, tooManyRequests } from './status.ts';
import { ObjectStore, type KubeObject } from './store.ts';
import { toTable, type IncludeObject } from './tables.ts';

export interface KubeApiServerOptions {
  readonly clock: Clock;
  /** Shared store (the cluster emulation writes into it); a fresh one when absent. */
  readonly store?: ObjectStore;
  readonly faults?: FaultInjector;
  readonly requestLog?: RequestLog;
  /**
   * Characters of a write's body kept in the request log.
   * @defaultValue 2000
   */
  readonly bodySummaryChars?: number;
  /**
   * Largest request body accepted, in bytes.
   * @defaultValue 3 MiB (the real API server's limit)
   */
  readonly maxBodyBytes?: number;
}

const jsonType = 'application/json';
const tableType = 'application/json;as=Table;v=v1;g=meta.k8s.io';

function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export class KubeApiServer {
  readonly store: ObjectStore;
  readonly api: KubeApi;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  private readonly clock: Clock;
  private readonly bodySummaryChars: number;
  private readonly maxBodyBytes: number;
  private server: Server | undefined;
  private readonly openWatches = new Set<() => void>();

  constructor(options: KubeApiServerOptions) {
    this.clock = options.clock;
    this.store = options.store ?? new ObjectStore({ clock: options.clock });
    this.api = new KubeApi(this.store);
    this.faults = options.faults ?? new FaultInjector();
    this.requestLog = options.requestLog ?? new RequestLog();
    this.bodySummaryChars = options.bodySummaryChars ?? 2000;
    this.maxBodyBytes = options.maxBodyBytes ?? 3 * 1024 * 1024;
  }

  /** Listens on 127.0.0.1 (port 0 = any free port) and resolves with the base URL. */
  async listen(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          this.send(response, new HttpAnswer(500, internalError(String(error)).toStatus()));
        } else {
          response.destroy();
        }
      });
    });
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 35_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('kube-api is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const stop of [...this.openWatches]) stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedMs = performance.now();
    const atMs = this.clock.nowMs();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const routed = route(method, url.pathname, url.searchParams);
    let body: Buffer;
    try {
      body = await this.readBody(request);
    } catch (error) {
      const failure = error instanceof ApiError ? error : badRequest(`cannot read the request body: ${(error as Error).message}`);
      this.send(response, new HttpAnswer(failure.code, failure.toStatus()));
      return;
    }

    if (routed.kind === 'admin') {
      this.send(response, this.admin(method, routed.action, url.searchParams, body));
      return;
    }

    const contentType = request.headers['content-type']?.split(';')[0]?.trim();
    const entry: Omit<RequestLogEntry, 'seq' | 'status' | 'durationMs'> = {
      atMs,
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      ...(routed.kind === 'resource'
        ? {
            verb: routed.verb,
            resource: routed.type.plural,
            ...(routed.subresource ? { subresource: routed.subresource } : {}),
            ...(routed.namespace !== undefined ? { namespace: routed.namespace } : {}),
            ...(routed.name !== undefined ? { name: routed.name } : {}),
          }
        : routed.kind === 'access-review' ? { verb: 'create' as const, resource: 'selfsubjectaccessreviews' } : {}),
      ...(contentType ? { contentType } : {}),
      ...(body.length > 0 ? { body: body.toString('utf8').slice(0, this.bodySummaryChars) } : {}),
      ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
    };
    const log = (status: number, fault?: InjectedFailure): void => {
      this.requestLog.record({ ...entry, status, durationMs: performance.now() - startedMs, ...(fault ? { fault } : {}) });
    };

    if (routed.kind === 'resource') {
      const decision = this.faults.decide({
        verb: routed.verb,
        resource: routed.subresource ? `${routed.type.plural}/${routed.subresource}` : routed.type.plural,
        ...(routed.namespace !== undefined ? { namespace: routed.namespace } : {}),
        ...(routed.name !== undefined ? { name: routed.name } : {}),
      });
      if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
      if (decision.failure) {
        log(decision.failure === 'drop' ? 0 : failureStatus(decision.failure), decision.failure);
        this.inject(response, decision.failure, routed, decision.retryAfterSeconds ?? 1);
        return;
      }
      if (routed.verb === 'watch') {
        log(200);
        this.serveWatch(request, response, routed, url.searchParams);
        return;
      }
    }

    let answer: HttpAnswer;
    try {
      answer = this.answer(routed, url.searchParams, request.headers, contentType, body);
    } catch (error) {
      answer = error instanceof ApiError ? new HttpAnswer(error.code, error.toStatus(), retryAfterHeader(error)) : new HttpAnswer(500, internalError(error instanceof Error ? error.message : String(error)).toStatus());
    }
    log(answer.status);
    this.send(response, answer);
  }

  private answer(routed: Route, query: URLSearchParams, headers: IncomingMessage['headers'], contentType: string | undefined, body: Buffer): HttpAnswer {
    switch (routed.kind) {
      case 'discovery':
        return this.discovery(routed);
      case 'unknown':
        return new HttpAnswer(404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
      case 'admin':
        throw new Error('admin routes are answered before');
      case 'resource':
        return this.resource(routed, query, headers, contentType, body);
      case 'access-review':
        return accessReview(body);
    }
  }

  private discovery(routed: Extract<Route, { kind: 'discovery' }>): HttpAnswer {
    const missing = new HttpAnswer(404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
    switch (routed.document) {
      case 'version':
        return new HttpAnswer(200, versionDocument());
      case 'health':
        return new HttpAnswer(200, 'ok', { 'content-type': 'text/plain' });
      case 'api':
        return new HttpAnswer(200, coreVersionsDocument());
      case 'apis':
        return new HttpAnswer(200, groupListDocument());
      case 'group':
        return routed.group && groupDocumentFor(routed.group) ? new HttpAnswer(200, groupDocumentFor(routed.group)) : missing;
      case 'resources': {
        const document = resourceListDocument(routed.group ?? '', routed.version ?? '');
        return document ? new HttpAnswer(200, document) : missing;
      }
      case 'openapi':
        // No OpenAPI schema is served: kubectl then skips client-side validation paths that need it.
        return missing;
    }
  }

  private resource(
    routed: Extract<Route, { kind: 'resource' }>,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
    contentType: string | undefined,
    body: Buffer,
  ): HttpAnswer {
    const { type, namespace, name, subresource } = routed;
    if (subresource !== undefined && subresource !== 'scale' && subresource !== 'status') {
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${type.plural}/${subresource})`);
    }
    const table = wantsTable(headers['accept']);
    const includeObject = (query.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    const json = (status: number, object: unknown): HttpAnswer => new HttpAnswer(status, object);
    const parseBody = (): unknown => {
      if (body.length === 0) throw badRequest('the request body is empty');
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
      }
    };
    const patchType = (): ReturnType<typeof patchTypeOf> => patchTypeOf(contentType);
    const dryRun = query.has('dryRun');
    if (dryRun && routed.verb !== 'get' && routed.verb !== 'list' && routed.verb !== 'create') throw badRequest('dryRun is supported by kube-api only on create');

    switch (routed.verb) {
      case 'get': {
        const object = subresource === 'scale' ? this.api.getScale(type, namespace, name as string) : this.api.get(type, namespace, name as string);
        if (table && subresource === undefined) {
          return new HttpAnswer(200, toTable(type, [object], { nowMs: this.clock.nowMs(), includeObject, resourceVersion: object.metadata.resourceVersion ?? '' }), { 'content-type': tableType });
        }
        return json(200, object);
      }
      case 'list': {
        const limit = Number(query.get('limit') ?? 0);
        const result = this.api.list(type, namespace, {
          selectors: parseSelectors(query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined),
          limit: Number.isFinite(limit) ? limit : 0,
          ...(query.get('continue') ? { continueToken: query.get('continue') as string } : {}),
        });
        const listMeta = {
          resourceVersion: result.resourceVersion,
          ...(result.continueToken ? { continue: result.continueToken, remainingItemCount: result.remainingItemCount } : {}),
        };
        if (table) {
          const rendered = toTable(type, result.items, { nowMs: this.clock.nowMs(), includeObject, resourceVersion: result.resourceVersion });
          return new HttpAnswer(200, { ...rendered, metadata: listMeta }, { 'content-type': tableType });
        }
        return json(200, { kind: type.listKind, apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`, metadata: listMeta, items: result.items });
      }
      case 'create': {
        if (subresource !== undefined) throw new ApiError(405, 'MethodNotAllowed', `create is not supported on ${type.plural}/${subresource}`);
        if (type.namespaced && namespace === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        return json(201, this.api.create(type, namespace, parseBody(), { dryRun }));
      }
      case 'update':
        if (subresource === 'scale') return json(200, this.api.updateScale(type, namespace, name as string, parseBody()));
        return json(200, this.api.update(type, namespace, name as string, parseBody(), subresource as 'status' | undefined));
      case 'patch':
        if (subresource === 'scale') return json(200, this.api.patchScale(type, namespace, name as string, patchType(), parseBody()));
        return json(200, this.api.patch(type, namespace, name as string, patchType(), parseBody(), subresource as 'status' | undefined));
      case 'delete': {
        const options = body.length > 0 ? (parseBody() as { preconditions?: { resourceVersion?: string; uid?: string } }) : {};
        return json(200, this.api.delete(type, namespace, name as string, options.preconditions ?? {}));
      }
      case 'deletecollection': {
        const deleted = this.api.deleteCollection(type, namespace, parseSelectors(query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined));
        return json(200, { kind: type.listKind, apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`, metadata: { resourceVersion: this.store.resourceVersion }, items: deleted });
      }
      case 'watch':
        throw new Error('watch is served as a stream');
    }
  }

  private serveWatch(request: IncomingMessage, response: ServerResponse, routed: Extract<Route, { kind: 'resource' }>, query: URLSearchParams): void {
    const table = wantsTable(request.headers['accept']);
    const includeObject = (query.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      this.openWatches.delete(stop);
      if (!response.writableEnded) response.end();
    };
    let first = true;
    const write = (type: string, object: KubeObject | Record<string, unknown>): void => {
      if (stopped) return;
      response.write(`${JSON.stringify({ type, object })}\n`);
    };
    const fromText = query.get('resourceVersion');
    const fromResourceVersion = fromText === null || fromText === '' ? undefined : Number(fromText);
    try {
      if (fromResourceVersion !== undefined && !Number.isInteger(fromResourceVersion)) throw badRequest(`invalid resourceVersion "${fromText}"`);
      response.writeHead(200, { 'content-type': table ? tableType : jsonType, 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
      // Clients (client-node's Watch, informers) wait for the headers before they see any event.
      response.flushHeaders();
      this.openWatches.add(stop);
      unsubscribe = this.api.watch(
        routed.type,
        routed.namespace,
        {
          selectors: parseSelectors(query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined),
          ...(fromResourceVersion !== undefined ? { fromResourceVersion } : {}),
        },
        (event) => {
          if (table) {
            write(event.type, toTable(routed.type, [event.object], { nowMs: this.clock.nowMs(), includeObject, resourceVersion: event.object.metadata.resourceVersion ?? '', noHeaders: !first }));
            first = false;
          } else {
            write(event.type, event.object);
          }
        },
      );
    } catch (error) {
      const status = error instanceof ApiError ? error : internalError(String(error));
      if (!response.headersSent) response.writeHead(200, { 'content-type': jsonType, 'transfer-encoding': 'chunked' });
      // A watch that cannot start reports the failure as an ERROR event (410 Gone → relist).
      write('ERROR', status.toStatus());
      stop();
      return;
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
    // Real servers end watches after a while too; clients re-watch from the last resourceVersion.
    timer = setTimeout(stop, (timeoutSeconds > 0 ? timeoutSeconds : 1800) * 1000);
    request.on('close', stop);
    response.on('close', stop);
  }

  private inject(response: ServerResponse, failure: InjectedFailure, routed: Extract<Route, { kind: 'resource' }>, retryAfterSeconds: number): void {
    switch (failure) {
      case 'drop':
        response.socket?.destroy();
        return;
      case 'error':
        this.send(response, new HttpAnswer(500, internalError('injected fault').toStatus()));
        return;
      case 'throttle':
        this.send(response, new HttpAnswer(429, tooManyRequests(retryAfterSeconds).toStatus(), { 'retry-after': String(retryAfterSeconds) }));
        return;
      case 'conflict':
        this.send(response, new HttpAnswer(409, conflict(routed.type.plural, routed.type.group, routed.name ?? '').toStatus()));
        return;
    }
  }

  private admin(method: string, action: string, query: URLSearchParams, body: Buffer): HttpAnswer {
    if (action === 'requests' && method === 'GET') {
      const since = Number(query.get('since') ?? 0);
      return new HttpAnswer(200, this.requestLog.list({ sinceSeq: Number.isFinite(since) ? since : 0 }));
    }
    if (action === 'requests' && method === 'DELETE') {
      this.requestLog.clear();
      return new HttpAnswer(200, { cleared: true });
    }
    if (action === 'faults' && method === 'GET') return new HttpAnswer(200, { rules: this.faults.getRules() });
    if (action === 'faults' && method === 'PUT') {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { rules?: FaultRule[]; seed?: number };
        this.faults.setRules(parsed.rules ?? [], parsed.seed);
        return new HttpAnswer(200, { rules: this.faults.getRules() });
      } catch (error) {
        return new HttpAnswer(400, badRequest(`fault rules: ${(error as Error).message}`).toStatus());
      }
    }
    return new HttpAnswer(404, new ApiError(404, 'NotFound', `no admin action ${method} ${action}`).toStatus());
  }

  private send(response: ServerResponse, answer: HttpAnswer): void {
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': jsonType, 'content-length': Buffer.byteLength(text), ...answer.headers });
    response.end(text);
  }

  private async readBody(request: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      // Keep reading (and dropping) an oversized body so the client gets the 413 instead of a reset.
      if (size <= this.maxBodyBytes) chunks.push(chunk as Buffer);
    }
    if (size > this.maxBodyBytes) throw new ApiError(413, 'BadRequest', `the request body is too large (${size} bytes; limit ${this.maxBodyBytes})`);
    return Buffer.concat(chunks);
  }
}

function failureStatus(failure: InjectedFailure): number {
  return failure === 'error' ? 500 : failure === 'throttle' ? 429 : failure === 'conflict' ? 409 : 0;
}

function retryAfterHeader(error: ApiError): Record<string, string> {
  return error.details?.retryAfterSeconds !== undefined ? { 'retry-after': String(error.details.retryAfterSeconds) } : {};
}

function patchTypeOf(contentType: string | undefined): 'merge' | 'json' | 'strategic' {
  const type = contentType ? patchContentTypes[contentType] : undefined;
  if (!type) {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchContentTypes).join(', ')}`);
  }
  return type;
}

/**
 * kube-api authenticates and authorizes nothing, so every SelfSubjectAccessReview is allowed; the
 * answer has the real API's shape (the review echoed back with its status), so a client that asks
 * before writing works the same against both.
 */
function accessReview(body: Buffer): HttpAnswer {
  let review: Record<string, unknown>;
  try {
    review = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw badRequest('the SelfSubjectAccessReview body is not JSON');
  }
  if (review['kind'] !== 'SelfSubjectAccessReview' || typeof review['spec'] !== 'object' || review['spec'] === null) {
    throw badRequest('expected a SelfSubjectAccessReview with a spec');
  }
  return new HttpAnswer(201, {
    ...review,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { allowed: true, reason: 'kube-api does not authorize requests: everything is allowed' },
  });
}
