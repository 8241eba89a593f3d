/**
 * The import's only way to the data: the running server's GraphQL API over HTTP. The import never
 * opens the database itself (an embedded PGlite directory belongs to one process: the server).
 */
import type { CustomerInput } from '../../modules/customers/customer.inputs.ts';
import type { TouchpointInput } from '../../modules/touchpoints/touchpoint.inputs.ts';

export type TransportErrorKind = 'network' | 'timeout' | 'http' | 'graphql';

/** The request as a whole failed (as opposed to single rows, which the payloads report). */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
  /** Worth another try: the server may answer next time. 4xx (bad query, auth, too large) will not change. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind === 'http') return this.status === 408 || this.status === 429 || (this.status !== undefined && this.status >= 500);
    return false;
  }
}

export interface GraphQLClientOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra tries after the first, for retryable failures. */
  retries?: number;
  /** First back-off; doubled on each retry, with jitter. */
  backoffMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Told before each retry (for a log line). */
  onRetry?: (err: TransportError, attempt: number, delayMs: number) => void;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface UpsertCustomersResult {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: { index: number; field: string; code: string; message: string }[];
}

export interface RecordTouchpointsResult {
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
  results: { index: number; status: 'ACCEPTED' | 'DUPLICATE' | 'QUARANTINED' | 'DROPPED'; reason: string | null; message: string | null }[];
}

const UPSERT_CUSTOMERS = `mutation ImportCustomers($input: [CustomerInput!]!) {
  upsertCustomers(input: $input) { created updated unchanged failed errors { index field code message } }
}`;

const RECORD_TOUCHPOINTS = `mutation ImportTouchpoints($input: [TouchpointInput!]!) {
  recordTouchpoints(input: $input) { accepted duplicates quarantined dropped results { index status reason message } }
}`;

export class GraphQLClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: GraphQLClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Retrying is safe for the two mutations the import sends, which is why any batch may be sent again
   * after a timeout or a 5xx even though the server may already have applied it: upsertCustomers is
   * idempotent (a row already applied comes back UNCHANGED) and recordTouchpoints deduplicates by
   * (source, messageId) (a touchpoint already stored comes back DUPLICATE, never stored twice).
   * Only the counts of that one batch can then differ from a first send (rows already applied come
   * back UNCHANGED / DUPLICATE), and a quarantined touchpoint is listed once more in failedEvents.
   */
  async request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const retries = this.opts.retries ?? 3;
    const backoff = this.opts.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(query, variables);
      } catch (err) {
        if (!(err instanceof TransportError) || !err.retryable || attempt >= retries) throw err;
        const delay = Math.round(backoff * 2 ** attempt * (0.75 + Math.random() * 0.5));
        this.opts.onRetry?.(err, attempt + 1, delay);
        await this.sleep(delay);
      }
    }
  }

  upsertCustomers(input: CustomerInput[]): Promise<UpsertCustomersResult> {
    return this.request<{ upsertCustomers: UpsertCustomersResult }>(UPSERT_CUSTOMERS, { input }).then((d) => d.upsertCustomers);
  }

  recordTouchpoints(input: TouchpointInput[]): Promise<RecordTouchpointsResult> {
    return this.request<{ recordTouchpoints: RecordTouchpointsResult }>(RECORD_TOUCHPOINTS, { input }).then((d) => d.recordTouchpoints);
  }

  private async once<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      res = await this.fetch(this.opts.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') throw new TransportError('timeout', `no answer from ${this.opts.url} within ${(this.opts.timeoutMs ?? 120_000) / 1000} s`);
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new TransportError('network', `cannot reach ${this.opts.url} (${why}); is the server running?`);
    }
    const text = await res.text().catch(() => '');
    let body: GraphQLResponse<T> | undefined;
    try {
      body = JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    if (!res.ok) {
      const detail = first ? `${first.message}${first.extensions?.code ? ` [${first.extensions.code}]` : ''}` : plain(text) || res.statusText;
      const hint = res.status === 404 ? ' (is --url the GraphQL endpoint, e.g. http://localhost:4000/graphql?)' : '';
      throw new TransportError('http', `HTTP ${res.status} from ${this.opts.url}: ${detail}${hint}`, res.status, first?.extensions?.code);
    }
    if (!body || typeof body !== 'object') throw new TransportError('http', `HTTP ${res.status} from ${this.opts.url} is not a GraphQL response: ${plain(text)}`, res.status);
    if (first) {
      const more = body.errors!.length > 1 ? ` (and ${body.errors!.length - 1} more)` : '';
      throw new TransportError('graphql', `GraphQL error${first.extensions?.code ? ` ${first.extensions.code}` : ''}: ${first.message}${more}`, res.status, first.extensions?.code);
    }
    if (!body.data) throw new TransportError('graphql', 'GraphQL response without data', res.status);
    return body.data;
  }
}

/** A body that is not GraphQL JSON (an HTML error page, a proxy's text) as one short line. */
function plain(text: string): string {
  const t = text.replace(/<(script|style)[^]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
