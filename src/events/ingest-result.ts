/** What `POST /v1/events` answers: how many events of a batch were accepted, and why the others were not. */

/** One refused event of a batch: its position and what is wrong with it, each error naming its field. */
export interface Rejection {
  readonly index: number;
  readonly errors: readonly string[];
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: readonly Rejection[];
}
