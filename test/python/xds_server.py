"""An xDS-enabled gRPC server on gRPC C-core (Python's grpcio), for the vitest suites.

Usage: xds_server.py NAME HOST:PORT
Serves /switchyard.test.Echo/Call (raw bytes, no generated code), answering
"NAME saw <caller's URI SAN or 'no certificate'>". Its listener, TLS and RBAC come from the xDS
server named in GRPC_XDS_BOOTSTRAP (gRFC A36). Prints {"serving": ...} once the port is bound
(C-core then still waits for its listener before accepting calls).
"""

import json
import sys
from concurrent import futures

import grpc


def main():
    name, address = sys.argv[1], sys.argv[2]

    def call(request, context):
        sans = [v.decode() for v in context.auth_context().get("x509_subject_alternative_name", [])]
        uris = [s for s in sans if s.startswith("spiffe://")]
        return ("%s saw %s" % (name, uris[0] if uris else "no certificate")).encode()

    handler = grpc.method_handlers_generic_handler(
        "switchyard.test.Echo", {"Call": grpc.unary_unary_rpc_method_handler(call)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), xds=True)
    server.add_generic_rpc_handlers((handler,))
    server.add_secure_port(address, grpc.xds_server_credentials(grpc.insecure_server_credentials()))
    server.start()
    sys.stdout.write(json.dumps({"serving": address}) + "\n")
    sys.stdout.flush()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
