// Typed reads of one YAML mapping, reporting every wrong type, missing key and unknown key to an
// IssueList instead of stopping at the first. Absent keys read as undefined; an explicit `null`
// is kept apart (nullable fields) so "not given, use the default" and "none" stay different.
import { describeValue, isMapping } from './describe-value.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { suggestKey } from './suggest-key.js';

export class MapReader {
  readonly ok: boolean;
  private readonly map: Record<string, unknown>;

  constructor(
    value: unknown,
    readonly path: readonly PathPart[],
    private readonly issues: IssueList,
    allowed: readonly string[],
  ) {
    this.ok = isMapping(value);
    this.map = this.ok ? (value as Record<string, unknown>) : {};
    if (!this.ok) issues.add(path, `expected a mapping, got ${describeValue(value)}`);
    for (const key of Object.keys(this.map)) {
      if (allowed.includes(key)) continue;
      const guess = suggestKey(key, allowed);
      const hint = guess === undefined ? '' : `, did you mean "${guess}"?`;
      issues.add([...path, key], `unknown key${hint}: allowed keys are ${allowed.join(', ')}`);
    }
  }

  at(key: string): PathPart[] {
    return [...this.path, key];
  }

  has(key: string): boolean {
    return this.map[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.map[key];
  }

  /** Reports the key as missing (when `required`) and returns false if absent. */
  present(key: string, required = false): boolean {
    if (this.has(key)) return true;
    if (required) this.issues.add(this.path, `missing required key "${key}"`);
    return false;
  }

  fail(key: string, message: string): undefined {
    this.issues.add(this.at(key), message);
    return undefined;
  }

  string(key: string, required = false): string | undefined {
    if (!this.present(key, required)) return undefined;
    const value = this.map[key];
    if (typeof value !== 'string') return this.fail(key, `expected a string, got ${describeValue(value)}`);
    if (value === '') return this.fail(key, 'must not be empty');
    return value;
  }

  /** undefined when absent, null when given as null. */
  nullableString(key: string): string | null | undefined {
    return this.map[key] === null && key in this.map ? null : this.string(key);
  }

  integer(key: string, min: number, max: number, required = false): number | undefined {
    if (!this.present(key, required)) return undefined;
    const value = this.map[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.fail(key, `expected an integer, got ${describeValue(value)}`);
    }
    if (value < min || value > max) return this.fail(key, `must be in ${min}..${max}, got ${value}`);
    return value;
  }

  nullableInteger(key: string, min: number, max: number): number | null | undefined {
    return this.isNull(key) ? null : this.integer(key, min, max);
  }

  boolean(key: string): boolean | undefined {
    if (!this.present(key)) return undefined;
    const value = this.map[key];
    if (typeof value !== 'boolean')
      return this.fail(key, `expected true or false, got ${describeValue(value)}`);
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], required = false): T | undefined {
    const value = this.string(key, required);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(key, `"${value}" is not one of ${allowed.join(', ')}`);
  }

  list(key: string, required = false): unknown[] | undefined {
    if (!this.present(key, required)) return undefined;
    const value = this.map[key];
    if (!Array.isArray(value)) return this.fail(key, `expected a list, got ${describeValue(value)}`);
    return value;
  }

  /** A list of non-empty strings; undefined if the list or any item is wrong. */
  stringList(key: string): string[] | undefined {
    const items = this.list(key);
    if (items === undefined) return undefined;
    let ok = true;
    items.forEach((item, i) => {
      if (typeof item === 'string' && item !== '') return;
      ok = false;
      const got = item === '' ? 'an empty string' : describeValue(item);
      this.issues.add([...this.at(key), i], `expected a non-empty string, got ${got}`);
    });
    return ok ? (items as string[]) : undefined;
  }

  mapping(key: string): Record<string, unknown> | undefined {
    if (!this.present(key)) return undefined;
    const value = this.map[key];
    if (!isMapping(value)) return this.fail(key, `expected a mapping, got ${describeValue(value)}`);
    return value;
  }

  isNull(key: string): boolean {
    return key in this.map && this.map[key] === null;
  }
}
