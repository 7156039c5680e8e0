/**
 * What /healthz reports beyond "the database answers": conditions raised where a fault is
 * detected (a write that found the disk full, the log's integrity check) and cleared where
 * it ends (the next write that succeeds). Kept in memory by the process that saw the fault:
 * each Node portal has one, and on Workers each isolate its own.
 */
export interface HealthCondition {
  /** Stable, machine-readable: the problem `code` writes get meanwhile, e.g. `insufficient-storage`. */
  code: string;
  /** For the operator: what failed and what to do. */
  detail: string;
  /** When it was first seen (RFC 3339), kept while the condition lasts. */
  since: string;
}

export interface Health {
  /** Raises a condition; raised again, it keeps its first `since` and takes the new detail. */
  raise(code: string, detail: string, at: Date): void;
  clear(code: string): void;
  /** Current conditions, oldest first; empty when all is well. */
  conditions(): HealthCondition[];
}

export function createHealth(): Health {
  const raised = new Map<string, HealthCondition>();
  return {
    raise(code, detail, at) {
      raised.set(code, { code, detail, since: raised.get(code)?.since ?? at.toISOString() });
    },
    clear(code) {
      raised.delete(code);
    },
    conditions: () => [...raised.values()],
  };
}
