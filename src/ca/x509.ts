// @peculiar/x509 builds certificates over WebCrypto. It is used instead of node-forge because
// forge cannot hold EC keys, and an ECDSA root must sign RSA leaves as well as ECDSA ones;
// Node's own WebCrypto generates every key and makes every signature.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle = webcrypto.subtle;
