import type { Context } from './context.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** `--name VALUE: help`, for `cbm COMMAND --help`. */
  help: string;
  value?: string;
}

export interface Command {
  /** The command words, e.g. ['contacts', 'put']. */
  words: string[];
  /** Positional arguments, for the usage line. */
  args?: string;
  summary: string;
  /** Who typically runs it, for the help index. */
  audience: 'everyone' | 'secretariat' | 'state';
  options?: Record<string, OptionSpec>;
  /** Whether it talks to the portal (then --portal, --as, --key apply). */
  offline?: boolean;
  run(ctx: Context): Promise<void>;
}

/** Options that every change of a versioned record takes. */
export const VERSION_OPTIONS: Record<string, OptionSpec> = {
  'if-match': {
    type: 'string',
    value: 'ETAG',
    help: 'the version the change is based on (412 when someone changed it since)',
  },
  latest: { type: 'boolean', help: 'base the change on whatever version is current now' },
};

export const IDEMPOTENCY_OPTION: Record<string, OptionSpec> = {
  'idempotency-key': { type: 'string', value: 'KEY', help: 'retrying with the same key never creates twice' },
};

export const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', help: 'at most N items (default: every page)' },
};
