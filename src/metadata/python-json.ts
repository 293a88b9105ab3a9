// JSON exactly as Nova writes it: oslo_serialization.jsonutils.dump_as_bytes → Python json.dumps
// with its defaults (reference/openstack-metadata.md §2.7): separators ", " and ": ", no
// indentation, ensure_ascii=True (every code unit outside printable ASCII as \uXXXX, lower-case hex;
// astral characters therefore as their surrogate pair), keys in insertion order, NaN/Infinity
// spelled as Python spells them (allow_nan=True).
//
// A Map keeps insertion order for every key; a plain object reorders integer-like keys ("10"
// before "a"), which Python would not — build documents whose key order matters as Maps.

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly JsonValue[]
  | ReadonlyMap<string, JsonValue>
  | { readonly [key: string]: JsonValue };

// json.encoder ESCAPE_ASCII plus the short forms of ESCAPE_DCT.
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const NEEDS_ESCAPE = /["\\]|[^ -~]/g;
const ANY_ESCAPE = /["\\]|[^ -~]/;

export function pythonJson(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pythonJsonString(value);
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value instanceof Map) return pythonObject([...value.entries()]);
  if (isPlainObject(value)) return pythonObject(Object.entries(value));
  // Python: TypeError "Object of type X is not JSON serializable".
  throw new TypeError(`Cannot serialise a value of type "${typeof value}" as JSON`);
}

export function pythonJsonString(text: string): string {
  // Most strings (ids, names, addresses) need no escape: no replace() pass for them.
  if (!ANY_ESCAPE.test(text)) return `"${text}"`;
  return `"${text.replace(NEEDS_ESCAPE, escapeCodeUnit)}"`;
}

function escapeCodeUnit(unit: string): string {
  return SHORT_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function pythonObject(entries: Array<[unknown, unknown]>): string {
  // Python's json.dumps turns non-string keys into strings; ours are strings already.
  const members = entries.map(([key, value]) => `${pythonJsonString(String(key))}: ${pythonJson(value)}`);
  return `{${members.join(', ')}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// A JavaScript number cannot say whether Python held an int or a float. A safe integer is printed
// as Python prints an int (5, not 5.0); anything else as float.__repr__ does, since past 2**53 a
// number is no longer an exact integer (1e16 → "1e+16"). Exact big integers travel as bigint.
function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isSafeInteger(n)) return String(n);
  return pythonFloatRepr(n);
}

// float.__repr__: the shortest round-tripping digits (toExponential() gives the same ones), in
// positional form when the decimal exponent is in [-4, 16), else d.ddde±XX with at least two digits.
function pythonFloatRepr(n: number): string {
  const [mantissa = '', exponentText = '0'] = n.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${head}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}
