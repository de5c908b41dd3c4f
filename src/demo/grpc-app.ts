// A local-mode shop app: an xDS-enabled gRPC server (grpc-js-xds XdsServer) of one service. Its
// listener, mTLS (certificate files from `switchyard agent`) and RBAC (the service's allow list)
// all come from switchyard; the app only says who answered and whose certificate it saw.
// orders also calls payments (xds:///payments) on checkout and reports what happened, which is
// where payments' circuit breaker shows.
//
// Environment: DEMO_SERVICE (catalog | orders | payments), DEMO_INSTANCE, DEMO_VERSION (optional),
// DEMO_LISTEN (ip:port, exactly as registered), DEMO_DELAY_MS (how long a reply takes),
// GRPC_XDS_BOOTSTRAP (from `switchyard bootstrap grpc --cert-dir`) and
// GRPC_XDS_EXPERIMENTAL_RBAC=true (grpc-js-xds 1.14 rejects the RBAC filter without it, and then
// refuses to serve).
import * as grpc from '@grpc/grpc-js';
import { XdsChannelCredentials, XdsServer, XdsServerCredentials, register } from '@grpc/grpc-js-xds';
import { intEnv, requiredEnv, roleEnv, runMain } from './app-env';
import { callShop } from './grpc-calls';
import { SHOP_METHOD, decodeRequest, encodeJson, peerIdentity, type ShopReply } from './shop-messages';

const identity = (b: Buffer): Buffer => b;

async function main(): Promise<void> {
  const env = process.env;
  const service = roleEnv(env, ['catalog', 'orders', 'payments']);
  const instance = requiredEnv(env, 'DEMO_INSTANCE', "this instance's id, as registered");
  const listen = requiredEnv(env, 'DEMO_LISTEN', 'the ip:port registered for this instance');
  requiredEnv(env, 'GRPC_XDS_BOOTSTRAP', 'the file `switchyard bootstrap grpc --cert-dir` printed');
  const version = env.DEMO_VERSION || undefined;
  const delayMs = intEnv(env, 'DEMO_DELAY_MS', 0, 0, 60_000);
  register();

  const payments = service === 'orders' ? new grpc.Client('xds:///payments', new XdsChannelCredentials(grpc.credentials.createInsecure())) : undefined;

  const server = new XdsServer();
  server.register(
    SHOP_METHOD,
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const request = decodeRequest(call.request);
      const base: ShopReply = { service, ...(version && { version }), instance, peer: peerIdentity(call.getAuthContext().sslPeerCertificate?.subjectaltname) };
      const answer = (reply: ShopReply) => setTimeout(() => callback(null, encodeJson(reply)), delayMs);
      if (payments && request.op === 'checkout') {
        void callShop(payments, { op: 'get' }, { deadlineMs: 3_000 }).then((outcome) => answer({ ...base, payments: outcome }));
      } else {
        answer(base);
      }
    },
    identity,
    identity,
    'unary',
  );
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(listen, new XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (err) => (err ? reject(err) : resolve())),
  );
  // The launcher waits for this line before it starts traffic.
  process.stdout.write(`${JSON.stringify({ serving: listen, service, instance })}\n`);

  const stop = () => {
    payments?.close();
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runMain(main);
