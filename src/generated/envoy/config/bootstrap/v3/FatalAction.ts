// Original file: protos/envoy-api/envoy/config/bootstrap/v3/bootstrap.proto

import type { TypedExtensionConfig as _envoy_config_core_v3_TypedExtensionConfig, TypedExtensionConfig__Output as _envoy_config_core_v3_TypedExtensionConfig__Output } from '../../../../envoy/config/core/v3/TypedExtensionConfig';

export interface FatalAction {
  'config'?: (_envoy_config_core_v3_TypedExtensionConfig | null);
}

export interface FatalAction__Output {
  'config': (_envoy_config_core_v3_TypedExtensionConfig__Output | null);
}
