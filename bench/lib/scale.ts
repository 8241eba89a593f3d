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
  /** W3: subscribers on one segment, the WebSocket connections they share, and the writes (each one ENTERED). */
  fanoutSubscribers: number;
  fanoutSockets: number;
  fanoutWrites: number;
  /** W3: the latency phase sends one write every this many ms (open loop); the throughput phase uses `concurrency`. */
  fanoutIntervalMs: number;
  /** W4: live segments during the ingest (against none). */
  liveSegments: number;
  /** W5: full recomputes of the segment set (and of B6), alternating; the median is reported. */
  recomputeRounds: number;
  /** W6: rounds of the funnel and Markov queries (and of B7, B8), alternating; the median is reported. */
  analyticsRounds: number;
  /** W9: customers (half active, half lapsed) under three time-dependent segments. */
  recheckCustomers: number;
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
    fanoutSubscribers: 1000,
    fanoutSockets: 20,
    fanoutWrites: 200,
    fanoutIntervalMs: 200,
    liveSegments: 100,
    recomputeRounds: 15,
    analyticsRounds: 9,
    recheckCustomers: 100_000,
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
    fanoutSubscribers: 1000,
    fanoutSockets: 20,
    fanoutWrites: 1000,
    fanoutIntervalMs: 200,
    liveSegments: 100,
    recomputeRounds: 3,
    analyticsRounds: 5,
    recheckCustomers: 1_000_000,
  },
};
