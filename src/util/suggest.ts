// "Did you mean" hints, for the mesh file, flags and Envoy resources alike: most bad keys and
// enum values are typos or the wrong case of a real one.

/**
 * Beyond a third of the word, a "suggestion" is a guess that misleads more than it helps;
 * short words (v4 vs v1) differ by one edit without being typos of each other.
 */
export function aThirdOfTheWord(word: string): number {
  return word.length < 4 ? 0 : Math.max(1, Math.floor(word.length / 3));
}

/** The candidate nearest to `word` (case-insensitive), if it is within `maxDistance(word)` edits. */
export function closestMatch(word: string, candidates: Iterable<string>, maxDistance: (word: string) => number = aThirdOfTheWord): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= maxDistance(word) ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2][j - 2] + 1);
      }
      d[i][j] = value;
    }
  }
  return d[a.length][b.length];
}

export function oneOf(values: readonly string[]): string {
  return values.join(', ');
}
