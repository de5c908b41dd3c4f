// The compiled form of a field's (validate.rules): built once per message type from the parsed
// options, then applied on every validation without looking at options again.
import type * as protobuf from 'protobufjs';
import type { Scalar, ScalarType } from './scalars';

export interface Violation {
  readonly rule: string;
  readonly message: string;
}

/** One rule applied to one normalized value; undefined means the value passes. */
export type ValueCheck = (value: Scalar) => Violation | undefined;

export type WellKnown = 'any' | 'duration' | 'timestamp' | 'wrapper';

/** What a single value of a field is: the element of a repeated field or the value of a map. */
export type Element =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enumType: protobuf.Enum }
  | {
      readonly kind: 'message';
      readonly messageType: protobuf.Type;
      readonly wellKnown: WellKnown | undefined;
      /** For google.protobuf.*Value wrappers: the type of `.value`, which the rules apply to. */
      readonly wrapped: ScalarType | undefined;
    };

export type Cardinality = 'single' | 'repeated' | 'map';

export interface FieldRules {
  /** Reported when a singular message field is unset (message/duration/timestamp/any.required). */
  readonly required: Violation | undefined;
  /** message.skip: do not apply the rules inside the nested message. */
  readonly skip: boolean;
  /** ignore_empty: the value checks do not apply to an empty/zero value. */
  readonly ignoreEmpty: boolean;
  readonly checks: readonly ValueCheck[];
  readonly repeated: RepeatedRules | undefined;
  readonly map: MapRules | undefined;
}

export interface RepeatedRules {
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  readonly unique: boolean;
  readonly ignoreEmpty: boolean;
  readonly items: FieldRules | undefined;
}

export interface MapRules {
  readonly minPairs: number | undefined;
  readonly maxPairs: number | undefined;
  readonly ignoreEmpty: boolean;
  readonly keys: FieldRules | undefined;
  readonly values: FieldRules | undefined;
}

/** Where rule compilation reports rule kinds it cannot check, so they are never silently passed. */
export interface CompileContext {
  /** Fully qualified field name, e.g. `envoy.config.cluster.v3.Cluster.name`. */
  readonly where: string;
  unchecked(ruleKind: string, reason?: string): void;
}
