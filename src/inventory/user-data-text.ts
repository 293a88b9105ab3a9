// Whether user data can be written as YAML text (user_data) and read back as the same bytes, or
// must go as base64 (user_data_base64): binary, gzip, or text with control characters.
import { parse, stringify } from 'yaml';

// C0 controls but \t \n \r, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text form of `bytes`, or undefined when only base64 keeps them exactly. */
export function userDataText(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  if (text === '' || CONTROL_RE.test(text) || !Buffer.from(text, 'utf8').equals(bytes)) return undefined;
  // YAML folds some line breaks and spaces; keep the text form only when it reads back the same.
  const back = (parse(stringify({ user_data: text }, { lineWidth: 0 })) as { user_data: unknown }).user_data;
  return back === text ? text : undefined;
}
