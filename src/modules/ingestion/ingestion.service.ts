/**
 * Runs batches of raw events through the pipeline. (Being built: the contract is final.)
 */
import type { IngestOptions, IngestOutcome } from './ingestion.model.ts';

export class IngestionService {
  async ingest(_raws: unknown[], _opts: IngestOptions = {}): Promise<IngestOutcome> {
    throw new Error('not implemented yet');
  }
}
