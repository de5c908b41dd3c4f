// Real gRPC backends for integration tests: each answers with its own name, so a client can
// count where its calls went.
import * as grpc from '@grpc/grpc-js';

export const ECHO_METHOD = '/switchyard.test.Echo/Call';

const echoService: grpc.ServiceDefinition = {
  Call: {
    path: ECHO_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

export interface EchoBackend {
  name: string;
  port: number;
  calls: number;
  /** When set, calls fail with this status (for outlier detection tests). */
  failWith?: grpc.status;
  /** Delay each call. */
  delayMs?: number;
  /** When set, calls are answered only once it resolves (holds calls in flight, for circuit-breaker tests). */
  hold?: Promise<void>;
  stop(): Promise<void>;
}

export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  const backend: EchoBackend = {
    name,
    port: 0,
    calls: 0,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(echoService, {
    Call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      backend.calls++;
      const reply = () => {
        if (backend.failWith !== undefined) callback({ code: backend.failWith, details: `${name} failing` });
        else callback(null, Buffer.from(name));
      };
      if (backend.hold) void backend.hold.then(reply);
      else if (backend.delayMs) setTimeout(reply, backend.delayMs);
      else reply();
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  return backend;
}

/** One unary call; resolves to the backend's name or rejects with the gRPC error. */
export function callEcho(client: grpc.Client, deadlineMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('ping'),
      { deadline: Date.now() + deadlineMs },
      (err, res) => (err ? reject(err) : resolve(res!.toString())),
    );
  });
}

export async function countCalls(client: grpc.Client, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = await callEcho(client);
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}
