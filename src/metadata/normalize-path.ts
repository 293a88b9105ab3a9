// The request path as Nova routes it (reference/openstack-metadata.md §2.1, §2.3):
//
// 1. The WSGI server hands Nova PATH_INFO: the path before `?`, percent-decoded. The query is ignored.
// 2. api-paste.ini mounts the handler with Paste's urlmap, whose __call__ runs normalize_url on
//    PATH_INFO: every run of slashes becomes one (`norm_url_re = re.compile('//+')`). This is why the
//    real Nova answers `//latest//meta-data//instance-id` with the instance id (golden 054), although
//    InstanceMetadata.lookup alone would keep a leading `//` (POSIX normpath) and answer the EC2 root
//    listing — the leading-`//` rule of posixpath.normpath can never fire behind urlmap.
// 3. InstanceMetadata.lookup prefixes `/` if missing and applies posixpath.normpath: `.` segments
//    vanish, `..` pops a segment (never above the root), the trailing slash goes.
//
// Where Python would carry on with a malformed path (an invalid `%` escape stays literal, a NUL
// reaches the router), we answer not found: no name in either tree contains `%` or a control
// character, so the answer is the same 404 without feeding odd bytes further in.

/** A backstop: the HTTP layer caps the request line far lower; past this we do not even decode. */
export const PATH_MAX_CHARS = 65536;

// C0 controls, DEL and C1 controls, after decoding (so `%00` and a raw NUL are both caught).
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

// The form clients send almost always: single slashes, segments of plain name characters that are
// not `.` or `..`, no escape, no query. normpath leaves it unchanged but for a trailing slash.
const ALREADY_NORMAL = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+\/?$/;

/** The normalised path (`/`, `/latest/meta-data`, `/openstack/latest/meta_data.json`), or undefined → 404. */
export function normalizePath(raw: string): string | undefined {
  if (raw.length > PATH_MAX_CHARS) return undefined;
  if (ALREADY_NORMAL.test(raw)) return raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const query = raw.indexOf('?');
  const decoded = percentDecode(query < 0 ? raw : raw.slice(0, query));
  if (decoded === undefined || CONTROL_CHARACTER.test(decoded)) return undefined;
  return posixNormpath(decoded);
}

/** UTF-8 percent-decoding; a malformed escape or invalid UTF-8 → undefined. */
function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

// posixpath.normpath for a path that urlmap already reduced to single slashes, so the only leading
// form left is one `/` (lookup adds it when missing).
function posixNormpath(path: string): string {
  const kept: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') kept.pop();
    else kept.push(segment);
  }
  return '/' + kept.join('/');
}
