// One error model for the whole program (STYLE.md, after fastify's error registry): every error an
// operator can see has a stable code, an HTTP status for the admin API, a CLI exit code and a line of
// documentation. docs/errors.md lists the same table; test/unit/errors-doc.test.ts keeps them in step.

export interface ErrorSpec {
  /** Status the admin API answers with. */
  status: number;
  /** Exit code of the CLI (see EXIT_CODES). */
  exit: number;
  /** What it means, one line, for docs/errors.md. */
  doc: string;
}

/** CLI exit codes (documented in README "Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  /** Something the command checks is wrong (doctor found a problem; apply --dry-run found a difference when asked to fail on one). */
  findings: 1,
  /** Bad usage: unknown flag, missing argument. */
  usage: 2,
  /** Input rejected: invalid inventory, bad value. Nothing was changed. */
  invalid: 3,
  /** The thing named does not exist. */
  notFound: 4,
  /** Conflicts with what is stored. */
  conflict: 5,
  /** Configuration or environment problem (unreadable file, port in use, missing secret). */
  config: 6,
  /** Anything else: a bug or an unexpected failure. */
  internal: 70,
} as const;

export const ERRORS = {
  // --- input and validation
  INVENTORY_INVALID: {
    status: 400,
    exit: EXIT_CODES.invalid,
    doc: 'The inventory has errors; each is listed with its file, path, value and what is allowed. Nothing was applied.',
  },
  INVENTORY_UNREADABLE: {
    status: 400,
    exit: EXIT_CODES.invalid,
    doc: 'The inventory file (or a user_data_file it names) cannot be read.',
  },
  VALIDATION_FAILED: {
    status: 400,
    exit: EXIT_CODES.invalid,
    doc: 'A request body or argument is not valid; the details say which field and why.',
  },
  USER_DATA_TOO_LARGE: {
    status: 400,
    exit: EXIT_CODES.invalid,
    doc: "User data is larger than 65,535 bytes (Nova's limit).",
  },
  ADDRESS_OUTSIDE_NETWORK: {
    status: 400,
    exit: EXIT_CODES.invalid,
    doc: "A port's fixed IP does not lie in any subnet of its network.",
  },
  ADDRESS_IN_USE: {
    status: 409,
    exit: EXIT_CODES.conflict,
    doc: 'The fixed IP is already used by another port on the same network.',
  },
  DUPLICATE_NAME: {
    status: 409,
    exit: EXIT_CODES.conflict,
    doc: 'Another network, router or instance already has this name.',
  },
  EC2_ID_IN_USE: {
    status: 409,
    exit: EXIT_CODES.conflict,
    doc: 'The pinned EC2 id is already assigned to something else.',
  },
  IN_USE: {
    status: 409,
    exit: EXIT_CODES.conflict,
    doc: 'The object is still referenced (a network with ports, a router with networks).',
  },
  // --- lookups
  NETWORK_NOT_FOUND: { status: 404, exit: EXIT_CODES.notFound, doc: 'No network has this id or name.' },
  ROUTER_NOT_FOUND: { status: 404, exit: EXIT_CODES.notFound, doc: 'No router has this id or name.' },
  INSTANCE_NOT_FOUND: { status: 404, exit: EXIT_CODES.notFound, doc: 'No instance has this uuid or name.' },
  PORT_NOT_FOUND: { status: 404, exit: EXIT_CODES.notFound, doc: 'No port has this id.' },
  ROUTE_NOT_FOUND: { status: 404, exit: EXIT_CODES.notFound, doc: 'The admin API has no such path.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    exit: EXIT_CODES.usage,
    doc: 'The admin API path does not accept this method.',
  },
  // --- admin API
  UNAUTHORIZED: {
    status: 401,
    exit: EXIT_CODES.config,
    doc: 'The admin API request carries no valid bearer token.',
  },
  BODY_TOO_LARGE: {
    status: 413,
    exit: EXIT_CODES.invalid,
    doc: 'The request body is larger than the admin API accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    exit: EXIT_CODES.invalid,
    doc: 'The admin API takes application/json (or YAML for an inventory).',
  },
  // --- configuration and environment
  CONFIG_INVALID: {
    status: 500,
    exit: EXIT_CODES.config,
    doc: 'A configuration value (file, OPENIMDS_* variable or flag) is not valid.',
  },
  SECRET_UNAVAILABLE: {
    status: 500,
    exit: EXIT_CODES.config,
    doc: 'A secret (shared secret, admin token) cannot be read from its file or environment variable.',
  },
  LISTEN_FAILED: {
    status: 500,
    exit: EXIT_CODES.config,
    doc: 'A listener cannot bind its address (in use, not present, or not permitted).',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    exit: EXIT_CODES.config,
    doc: 'The store cannot be opened or written (permissions, locked, I/O error, not a database).',
  },
  STORE_FULL: {
    status: 507,
    exit: EXIT_CODES.config,
    doc: 'The filesystem of the store is full: nothing was written; guests are still served what is stored.',
  },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    exit: EXIT_CODES.config,
    doc: 'The database was written by a newer openimds; refusing to downgrade it.',
  },
  PLUMBING_FAILED: {
    status: 500,
    exit: EXIT_CODES.config,
    doc: 'A network plumbing command (ip, nft, dnsmasq) failed; the message names the command and its error.',
  },
  SERVICE_UNREACHABLE: {
    status: 503,
    exit: EXIT_CODES.config,
    doc: 'The command could not reach the running service (admin API or listener).',
  },
  // --- last resort
  INTERNAL: {
    status: 500,
    exit: EXIT_CODES.internal,
    doc: 'An unexpected failure; the log has the stack. Please report it.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorOptions {
  /** What the operator can do about it. */
  hint?: string;
  /** Structured detail for --json and the admin API (e.g. the list of validation errors). */
  details?: unknown;
  cause?: unknown;
}

/** The one error type: code (stable), message (what failed, with the value), hint (how to fix it). */
export class ImdsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImdsError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Wraps anything thrown into an ImdsError (unknown failures become INTERNAL, keeping the cause). */
export function toImdsError(err: unknown): ImdsError {
  if (err instanceof ImdsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ImdsError('INTERNAL', message, { cause: err });
}
