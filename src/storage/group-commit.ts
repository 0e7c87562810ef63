/**
 * Group commit: many callers' writes share one transaction. While a batch is being written,
 * new items queue and go together in the next one; there is no timer, so a quiet system adds
 * no latency and a busy one gets bigger batches (fewer round trips and commits per item).
 *
 * A batch that fails is written again item by item, so one bad item fails alone and the
 * others still commit.
 *
 * Reads use it the same way: the lookups of requests arriving together (bearer tokens, new
 * cases for triage) go to the database as one statement.
 */
export type BatchWriter<I, R> = (items: readonly I[]) => Promise<R[]>;

export interface GroupCommitOptions {
  /** Most items in one batch. */
  maxBatch: number;
  /** Batches written at the same time (1 for an embedded database; 2–4 for a server). */
  concurrency: number;
}

interface Pending<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<I, R> {
  readonly #write: BatchWriter<I, R>;
  readonly #options: GroupCommitOptions;
  #queue: Pending<I, R>[] = [];
  #inFlight = 0;

  constructor(write: BatchWriter<I, R>, options: GroupCommitOptions) {
    this.#write = write;
    this.#options = options;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#options.concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #run(batch: Pending<I, R>[]): Promise<void> {
    try {
      const results = await this.#write(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // Find the bad item(s): each alone, in order.
      for (const p of batch) {
        try {
          const [result] = await this.#write([p.item]);
          p.resolve(result);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }
}
