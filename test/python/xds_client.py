"""A proxyless gRPC client on gRPC C-core (through Python's grpcio), driven by the vitest suites.

It reads one JSON command per line on stdin and answers each with one JSON line on stdout, so a
test can keep one channel (and so one xDS stream) alive across several rounds of calls, e.g. to
see a live weight change followed without reconnecting. Channels are kept per target.

Commands:
  {"op": "calls", "target": "xds:///catalog", "n": 100, "metadata": {"x-canary": "true"},
   "deadline_s": 5, "waves": [{"n": 2}, {"after_ms": 100, "n": 6}]}
      n sequential calls (or, with waves, concurrent waves of calls, each wave started after_ms
      after the previous one and all awaited together). Answers
      {"ok": true, "backends": {"v1": 90, ...}, "errors": {"UNAVAILABLE": 3}, "details": [...]}.
  {"op": "sleep", "ms": 3000}
      {"ok": true} after idling that long.
  {"op": "info"}
      {"ok": true, "grpc_version": "1.51.1"}
  {"op": "quit"}

The call is generic (no generated code, no protoc): the echo backends take and return raw bytes,
answering with their own name. With "credentials": "xds" the channel uses xDS credentials
(certificates from the bootstrap's certificate provider, falling back to insecure).
"""

import json
import sys
import time

import grpc
import grpc.experimental

ECHO_METHOD = "/switchyard.test.Echo/Call"

_channels = {}


def channel_for(target, credentials):
    key = (target, credentials)
    if key not in _channels:
        if credentials == "xds":
            # Insecure fallback, as grpc-js-xds uses: a cluster without a TLS context stays plaintext.
            creds = grpc.xds_channel_credentials(grpc.experimental.insecure_channel_credentials())
            _channels[key] = grpc.secure_channel(target, creds)
        else:
            _channels[key] = grpc.insecure_channel(target)
    return _channels[key]


def run_calls(cmd):
    channel = channel_for(cmd["target"], cmd.get("credentials", "insecure"))
    # request_serializer/response_deserializer None: bytes in, bytes out.
    call = channel.unary_unary(ECHO_METHOD)
    metadata = tuple((k, v) for k, v in (cmd.get("metadata") or {}).items())
    timeout = cmd.get("deadline_s", 5)
    backends = {}
    errors = {}
    details = []

    def record_ok(reply):
        name = reply.decode()
        backends[name] = backends.get(name, 0) + 1

    def record_err(err, started):
        code = err.code().name
        errors[code] = errors.get(code, 0) + 1
        if len(details) < 5:
            details.append("%s after %d ms: %s" % (code, (time.monotonic() - started) * 1000, err.details()))

    waves = cmd.get("waves")
    if waves is None:
        for _ in range(cmd.get("n", 1)):
            started = time.monotonic()
            try:
                record_ok(call(b"ping", timeout=timeout, metadata=metadata))
            except grpc.RpcError as err:
                record_err(err, started)
    else:
        futures = []
        for wave in waves:
            if wave.get("after_ms"):
                time.sleep(wave["after_ms"] / 1000.0)
            started = time.monotonic()
            futures.extend((call.future(b"ping", timeout=timeout, metadata=metadata), started) for _ in range(wave["n"]))
        for f, started in futures:
            try:
                record_ok(f.result())
            except grpc.RpcError as err:
                record_err(err, started)
    return {"ok": True, "backends": backends, "errors": errors, "details": details}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        op = cmd.get("op")
        try:
            if op == "quit":
                break
            if op == "info":
                out = {"ok": True, "grpc_version": grpc.__version__}
            elif op == "calls":
                out = run_calls(cmd)
            elif op == "sleep":
                # Idle in this process (no calls), e.g. to see what a client does after a pause.
                time.sleep(cmd["ms"] / 1000.0)
                out = {"ok": True}
            else:
                out = {"ok": False, "error": "unknown op %r" % op}
        except Exception as exc:  # a bad command must not end the session silently
            out = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    for ch in _channels.values():
        ch.close()


if __name__ == "__main__":
    main()
