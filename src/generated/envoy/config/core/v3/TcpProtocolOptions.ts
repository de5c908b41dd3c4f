// Original file: protos/envoy-api/envoy/config/core/v3/protocol.proto


export interface TcpProtocolOptions {
}

export interface TcpProtocolOptions__Output {
}
