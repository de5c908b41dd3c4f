// One unary shop call over a gRPC channel, as a value: the reply or the status the caller saw.
import * as grpc from '@grpc/grpc-js';
import { SHOP_METHOD, decodeReply, encodeJson, type CallOutcome, type ShopRequest } from './shop-messages';

const identity = (b: Buffer): Buffer => b;

export function statusName(code: number): string {
  return grpc.status[code] ?? `CODE_${code}`;
}

export function callShop(
  client: grpc.Client,
  request: ShopRequest,
  opts: { deadlineMs: number; metadata?: grpc.Metadata; waitForReady?: boolean },
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      SHOP_METHOD,
      identity,
      identity,
      encodeJson(request),
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + opts.deadlineMs, ...(opts.waitForReady && { waitForReady: true }) },
      (err, body) => {
        if (err) resolve({ ok: false, code: statusName(err.code), details: err.details });
        else {
          try {
            resolve({ ok: true, reply: decodeReply(body!) });
          } catch (e) {
            resolve({ ok: false, code: 'BAD_REPLY', details: (e as Error).message });
          }
        }
      },
    );
  });
}
