import type { Problem, WorkloadId } from '../workloads.js';

/** One implementation loaded with a problem's data and initial weights. */
export interface Session {
  /** Puts the initial weights (and any optimiser or trace state) back. Not timed. */
  reset(): void | Promise<void>;
  /** One epoch of training over the first `samples` training examples, in order. The timed part. */
  train(samples: number): void | Promise<void>;
  /** The network's predicted probabilities on the problem's held-out examples. Not timed. */
  predictEval(): ArrayLike<number> | Promise<ArrayLike<number>>;
  /**
   * The last `train`'s time as the implementation measured it (one running in another process),
   * used instead of the time around the call.
   */
  lastTrainMs?(): number | undefined;
  /** Frees what the session holds (tensors, a process). */
  dispose?(): void;
}

/** What an implementation measured about itself (used by peers that time themselves, like the C one). */
export interface SelfTimed {
  timesMs: number[];
  lossBefore: number;
  lossAfter: number;
}

/** How a run is planned: a warm-up over `warmupSamples`, then `runs` timed epochs over `samples`. */
export interface Plan {
  samples: number;
  warmupSamples: number;
  runs: number;
}

export interface Peer {
  name: string;
  /** One line on what it is and how it is driven, for the table's notes and the docs. */
  description: string;
  /** The workloads it can run; for others it is reported as not applicable with `notApplicable`. */
  workloads: readonly WorkloadId[];
  notApplicable?: string;
  /** A cap on the training samples for a workload (per-step overhead makes the full count too slow). */
  cap?(workload: WorkloadId, smoke: boolean): number | undefined;
  /** Loads the implementation (imports, builds) with the problem; throws if it cannot. */
  load?(problem: Problem): Promise<Session>;
  /** For peers that run out of process and time themselves. */
  runSelfTimed?(problem: Problem, plan: Plan): Promise<SelfTimed>;
  /** Facts about how it ran (backend, versions, precision), filled in by `load`. */
  details?: Record<string, string>;
}
