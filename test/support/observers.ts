// Several XdsObservers as one: the xDS server takes a single observer, and a test may want both a
// recording of events and the real metrics fed from the same stream.
import type { XdsObserver } from '../../src/xds/observer';

export function fanOut(...observers: XdsObserver[]): XdsObserver {
  return {
    streamOpened: (i) => {
      for (const o of observers) o.streamOpened?.(i);
    },
    streamClosed: (i) => {
      for (const o of observers) o.streamClosed?.(i);
    },
    responseSent: (i, t, v, b, r, x) => {
      for (const o of observers) o.responseSent?.(i, t, v, b, r, x);
    },
    ackReceived: (i, t, v, c) => {
      for (const o of observers) o.ackReceived?.(i, t, v, c);
    },
    nackReceived: (i, t, v, m) => {
      for (const o of observers) o.nackReceived?.(i, t, v, m);
    },
    requestRejected: (i, r, d) => {
      for (const o of observers) o.requestRejected?.(i, r, d);
    },
  };
}
