// What the agent does with each status Nova answers (reference §3.5.4, checklist item 48;
// neutron/common/metadata.py `_proxy_request`). One row per status; anything not listed made Neutron
// raise, drop the connection and so haproxy answer 502: openimds answers that 502 itself.
export interface NovaStatusAction {
  /** Logged as a warning when Nova answers this (the answer still passes through). */
  warn?: { event: string; msg: string; hint: string };
}

export const NOVA_STATUS_ACTIONS: Readonly<Record<number, NovaStatusAction>> = {
  200: {},
  400: {},
  // F1 (§4): the classic misconfiguration; Neutron logs "…usually occurs when shared secrets do not match."
  403: {
    warn: {
      event: 'agent.forbidden',
      msg: 'answered 403 Forbidden: the shared secrets probably differ',
      hint: "Make the agent's shared secret (--shared-secret-file or OPENIMDS_SHARED_SECRET) equal to Nova's [neutron] metadata_proxy_shared_secret",
    },
  },
  404: {},
  409: {},
  // F13 (§4): Nova failed while building the answer; its log has the traceback.
  500: {
    warn: {
      event: 'agent.nova_failed',
      msg: 'answered 500: the remote metadata server experienced an internal server error',
      hint: "Read the remote metadata server's log for this request",
    },
  },
  // Since neutron 25.0.0 (6395b4fe8e) gateway errors from Nova pass through unchanged.
  502: {},
  503: {},
  504: {},
};

/** The row for a status, or undefined when the agent must answer 502 instead. */
export function novaStatusAction(status: number): NovaStatusAction | undefined {
  return NOVA_STATUS_ACTIONS[status];
}
