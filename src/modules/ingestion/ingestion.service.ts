/**
 * Runs batches of raw events through the pipeline. (Being built: the contract is final.)
 */
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { IngestOptions, IngestOutcome } from './ingestion.model.ts';

export class IngestionService {
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; defaultPhoneRegion: string },
  ) {}

  async ingest(_raws: unknown[], _opts: IngestOptions = {}): Promise<IngestOutcome> {
    void this.db;
    void this.deps;
    throw new Error('not implemented yet');
  }
}
