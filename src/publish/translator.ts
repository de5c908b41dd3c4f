import { validateMessage } from '../proto/validate';
import { createTranslator, type TranslateOptions } from '../translate/translate';
import type { ResourceValidator, Translator } from './mesh-publisher';

export function meshTranslator(opts?: TranslateOptions): Translator {
  return createTranslator(opts);
}

/** Every resource is checked against Envoy's protos and validate.rules before it can be pushed. */
export const resourceValidator: ResourceValidator = (typeUrl, message) => validateMessage(typeUrl, message);
