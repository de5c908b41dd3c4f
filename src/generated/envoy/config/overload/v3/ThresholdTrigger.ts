// Original file: protos/envoy-api/envoy/config/overload/v3/overload.proto


export interface ThresholdTrigger {
  'value'?: (number | string);
}

export interface ThresholdTrigger__Output {
  'value': (number);
}
