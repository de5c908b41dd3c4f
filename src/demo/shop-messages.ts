// What the demo apps say to each other, in both modes. Local mode carries these as JSON in the
// bodies of one unary gRPC method; compose mode as JSON over HTTP through the Envoy sidecars.
// Every reply names who answered and whose certificate it saw, so the traffic driver can report
// the split, the canary pin and mTLS from what actually happened, not from what was configured.

/** The one gRPC method every local-mode app serves (bodies are JSON, framed as raw bytes). */
export const SHOP_METHOD = '/switchyard.demo.Shop/Call';

export const DEMO_TRUST_DOMAIN = 'switchyard.local';

export function spiffeIdOf(service: string): string {
  return `spiffe://${DEMO_TRUST_DOMAIN}/svc/${service}`;
}

/** `checkout` makes orders call payments; anything else is answered by the app itself. */
export interface ShopRequest {
  readonly op: 'get' | 'checkout';
}

/** A downstream call's outcome as the calling app saw it (orders → payments). */
export interface CallOutcome {
  readonly ok: boolean;
  /** The reply, when ok. */
  readonly reply?: ShopReply;
  /** gRPC status name (e.g. UNAVAILABLE) or HTTP status, when not ok. */
  readonly code?: string;
  readonly details?: string;
}

export interface ShopReply {
  readonly service: string;
  readonly version?: string;
  readonly instance: string;
  /** The caller's identity as the server saw it on the TLS connection ("none" without a client certificate). */
  readonly peer: string;
  /** orders' checkout: what happened when orders called payments. */
  readonly payments?: CallOutcome;
}

export function encodeJson(value: ShopRequest | ShopReply): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function decodeRequest(body: Buffer): ShopRequest {
  const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  const op = (parsed as { op?: unknown }).op;
  return { op: op === 'checkout' ? 'checkout' : 'get' };
}

export function decodeReply(body: Buffer): ShopReply {
  const parsed = JSON.parse(body.toString('utf8')) as Partial<ShopReply>;
  if (typeof parsed.service !== 'string' || typeof parsed.instance !== 'string' || typeof parsed.peer !== 'string') {
    throw new Error(`not a shop reply: ${body.toString('utf8').slice(0, 200)}`);
  }
  return parsed as ShopReply;
}

/** The SPIFFE URI in a TLS peer's subjectaltname ("URI:spiffe://…, DNS:…"), or "none". */
export function peerIdentity(subjectAltName: string | undefined): string {
  const uri = subjectAltName?.split(/,\s*/).find((s) => s.startsWith('URI:spiffe://'));
  return uri ? uri.slice('URI:'.length) : 'none';
}
