// "Did you mean" for unknown field names in Envoy resources: a typo'd field is the most common
// hand-written error, and the nearest real name makes the message actionable. Field names are
// long and compound, so up to a quarter of the name (at most 3 edits) may differ.
import { closestMatch } from '../../util/suggest';

export function closest(name: string, candidates: Iterable<string>): string | undefined {
  return closestMatch(name, candidates, (word) => Math.max(1, Math.min(3, Math.floor(word.length / 4))));
}
