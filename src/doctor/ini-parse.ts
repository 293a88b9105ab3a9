// An INI reader with oslo.config's rules (oslo_config/iniparser.py), for Nova's and Neutron's files:
// `[section]`, `key = value` or `key: value`, whole-line `#`/`;` comments (a `#` inside a value is
// part of it, as in oslo), indented continuation lines, matching quotes around a value stripped, and a
// repeated key: the last one wins for single-valued options. Every line is kept with its number so a
// finding can quote exactly what it rests on.

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
}

export interface IniFile {
  entries: IniEntry[];
  /** Lines that are neither a section, a key, a comment nor a continuation (oslo refuses them). */
  errors: Array<{ line: number; text: string }>;
}

const SECTION = /^\[([^\]]*)\]\s*$/;

export function parseIni(text: string): IniFile {
  const entries: IniEntry[] = [];
  const errors: IniFile['errors'] = [];
  let section: string | undefined;
  let last: IniEntry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') {
      last = undefined;
      return;
    }
    if (/^\s*[#;]/.test(raw)) return;
    if (/^\s/.test(raw) && last !== undefined) {
      // oslo: an indented line continues the previous value, joined with a newline
      last.value = `${last.value}\n${raw.trim()}`;
      return;
    }
    const header = SECTION.exec(raw.trim());
    if (header !== null) {
      section = header[1]!.trim();
      last = undefined;
      return;
    }
    const split = splitKeyValue(raw);
    if (split === undefined || section === undefined) {
      errors.push({ line, text: raw });
      return;
    }
    last = { section, key: split.key, value: unquote(split.value), line };
    entries.push(last);
  });
  return { entries, errors };
}

/** The last value of `key` in `section` (oslo: last wins), or undefined. */
export function findIniEntry(file: IniFile, section: string, key: string): IniEntry | undefined {
  let found: IniEntry | undefined;
  for (const e of file.entries) if (e.section === section && e.key === key) found = e;
  return found;
}

/** oslo: the first of `:` or `=` splits the line. */
function splitKeyValue(raw: string): { key: string; value: string } | undefined {
  const at = raw.search(/[:=]/);
  if (at <= 0) return undefined;
  const key = raw.slice(0, at).trim();
  if (key === '') return undefined;
  return { key, value: raw.slice(at + 1).trim() };
}

function unquote(value: string): string {
  if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) {
    return value.slice(1, -1);
  }
  return value;
}
