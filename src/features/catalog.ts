/** The catalogue as the pipeline keeps it: one entry per item, from the compacted catalogue topic. */
import type { CatalogItem } from '../events/schema.ts';
import { toEpochMs } from '../events/validate.ts';

export interface CatalogEntry {
  readonly content_id: string;
  readonly category?: string;
  readonly tags?: readonly string[];
  readonly title?: string;
  /** Epoch ms, when known. */
  readonly publishedAt?: number;
  /** When eddy first saw the item (epoch ms, wall clock): "new content" for exploration. */
  readonly addedAt: number;
}

export function toCatalogEntry(item: CatalogItem, addedAt: number, previous?: CatalogEntry): CatalogEntry {
  const publishedAt = toEpochMs(item.published_at);
  return {
    content_id: item.content_id,
    ...(item.category !== undefined && { category: item.category }),
    ...(item.tags !== undefined && { tags: item.tags }),
    ...(item.title !== undefined && { title: item.title }),
    ...(publishedAt !== undefined && { publishedAt }),
    addedAt: previous?.addedAt ?? addedAt,
  };
}
