// User data comes in one of three forms: text (user_data), a file next to the inventory
// (user_data_file) or base64 for binary content (user_data_base64). The result is raw bytes.
import { dirname, resolve } from 'node:path';
import { USER_DATA_MAX_BYTES } from '../model/instance.js';
import { quote } from './describe-value.js';
import type { IssueList } from './inventory-issue.js';
import type { MapReader } from './map-reader.js';

export const USER_DATA_KEYS = ['user_data', 'user_data_file', 'user_data_base64'] as const;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export type ReadFile = (absPath: string) => Buffer;

/** undefined: invalid (reported); null: no user data. */
export function readUserData(
  r: MapReader,
  issues: IssueList,
  file: string,
  readFile: ReadFile,
): Buffer | null | undefined {
  const given = USER_DATA_KEYS.filter((key) => r.has(key));
  if (given.length === 0) return null;
  if (given.length > 1) {
    issues.add(r.path, `give one of user_data, user_data_file, user_data_base64, not ${given.join(' and ')}`);
    return undefined;
  }
  const key = given[0]!;
  const text = r.string(key);
  if (text === undefined) return undefined;
  const bytes = decode(key, text, r, file, readFile);
  if (bytes === undefined) return undefined;
  if (bytes.length > USER_DATA_MAX_BYTES) {
    const size = bytes.length.toLocaleString('en-US');
    return r.fail(
      key,
      `user data is ${size} bytes: the limit is ${USER_DATA_MAX_BYTES.toLocaleString('en-US')} (Nova's)`,
    );
  }
  return bytes;
}

function decode(
  key: (typeof USER_DATA_KEYS)[number],
  text: string,
  r: MapReader,
  file: string,
  readFile: ReadFile,
): Buffer | undefined {
  if (key === 'user_data') return Buffer.from(text, 'utf8');
  if (key === 'user_data_base64') {
    const compact = text.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64_RE.test(compact)) {
      return r.fail(key, `${quote(text)} is not base64 (A-Z, a-z, 0-9, "+", "/", padded with "=")`);
    }
    return Buffer.from(compact, 'base64');
  }
  const absPath = resolve(dirname(file), text);
  try {
    return readFile(absPath);
  } catch (err) {
    return r.fail(key, `cannot read "${absPath}": ${osReason(err)}`);
  }
}

/** "ENOENT: no such file or directory, open '/x'" → "ENOENT: no such file or directory". */
function osReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, \w+ '.*'$/s, '');
}
