// argv as one line a POSIX shell reads back as the same argv: what dry runs print.

const SAFE_RE = /^[\w@%+=:,./-]+$/;

export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && SAFE_RE.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
