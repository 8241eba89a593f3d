/**
 * What each scale means. `small` finishes in a few minutes on 2 cores; `large` is the data set
 * (1M customers, 10M touchpoints) for the read workloads, and a bigger ingest, and takes much longer.
 */
export type ScaleName = 'small' | 'large';

export interface Scale {
  name: ScaleName;
  /** W1: events sent through each door (resends included) and the people they belong to. */
  ingestEvents: number;
  ingestUsers: number;
  /** W1: events per call, and calls in flight at once (the same for the doors and the baselines). */
  batchSize: number;
  concurrency: number;
  /** W2: the read data set, loaded in bulk (not through the API). */
  readCustomers: number;
  readTouchpointsPerCustomer: number;
  /** W2: load per run (each of W2 and B4 gets the same). */
  readConnections: number;
  readDurationSec: number;
  readWarmupSec: number;
}

export const SCALES: Record<ScaleName, Scale> = {
  small: {
    name: 'small',
    ingestEvents: 20_000,
    ingestUsers: 2_000,
    batchSize: 1000,
    concurrency: 2,
    readCustomers: 2_000,
    readTouchpointsPerCustomer: 10,
    readConnections: 64,
    readDurationSec: 10,
    readWarmupSec: 2,
  },
  large: {
    name: 'large',
    // Held in memory as prepared request bodies, so bounded well below the read set.
    ingestEvents: 200_000,
    ingestUsers: 50_000,
    batchSize: 1000,
    concurrency: 2,
    readCustomers: 1_000_000,
    readTouchpointsPerCustomer: 10,
    readConnections: 64,
    readDurationSec: 60,
    readWarmupSec: 5,
  },
};
