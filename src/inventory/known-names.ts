// "the file has "a", "b"": the tail of a message about a reference to an unknown name.

export function knownNames(kind: string, names: string[]): string {
  names = [...new Set(names)];
  if (names.length === 0) return `the file defines no ${kind}`;
  const shown = names.slice(0, 10).map((n) => `"${n}"`);
  return `the file has ${shown.join(', ')}${names.length > 10 ? ', …' : ''}`;
}
