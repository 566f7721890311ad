import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readJsonl, readMovieLensItems, readMovieLensRatings, readReplay, splitCsv } from '../../src/eval/readers.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('u.data layout: tab-separated, no header, sorted by time with ties in file order', async () => {
  const p = file('u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n244\t51\t2\t880606923\n5\t6\t4\t878887116\n');
  const ev = await readMovieLensRatings(p);
  assert.deepEqual(ev.map((e) => e.itemId), ['377', '6', '51', '242', '302']);
  assert.deepEqual(ev[0], { userId: '22', itemId: '377', ts: 878887116000, type: 'view', rating: 1 });
});

test('ratings.csv layout: header line, comma-separated, fractional ratings', async () => {
  const p = file('ratings.csv', 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,4.5,964981247\r\n');
  const ev = await readMovieLensRatings(p);
  assert.deepEqual(ev.map((e) => [e.userId, e.itemId, e.rating, e.ts]), [['1', '3', 4.5, 964981247000], ['1', '1', 4, 964982703000]]);
  await assert.rejects(readMovieLensRatings(file('bad.txt', 'hello\n')), /not a MovieLens ratings file/);
});

test('u.item: latin1, genre flags in u.genre order', async () => {
  const flags = (on: number[]): string => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|');
  const text = `1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|${flags([3, 4, 5])}\n` +
    `2|Cit\xe9 des enfants perdus, La (1995)|01-Jan-1995||http://x|${flags([9, 15])}\n`;
  const items = await readMovieLensItems(file('u.item', Buffer.from(text, 'latin1')));
  assert.deepEqual(items.get('1'), { category: 'Animation', tags: ['Animation', "Children's", 'Comedy'] });
  assert.deepEqual(items.get('2'), { category: 'Fantasy', tags: ['Fantasy', 'Sci-Fi'] });
});

test('movies.csv: quoted titles with commas, first genre is the category', async () => {
  const p = file('movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,"American President, The (1995)",Comedy|Drama|Romance\n9,"Odd ""quoted"" (1999)",(no genres listed)\n');
  const items = await readMovieLensItems(p);
  assert.deepEqual(items.get('11'), { category: 'Comedy', tags: ['Comedy', 'Drama', 'Romance'] });
  assert.deepEqual(items.get('9'), { category: undefined, tags: [] });
  assert.deepEqual(splitCsv('9,"Odd ""quoted"" (1999)",x'), ['9', 'Odd "quoted" (1999)', 'x']);
});

test('jsonl: events, catalogue lines, duplicates and non-content events', async () => {
  const lines = [
    { type: 'item', content_id: 'c1', category: 'sports', tags: ['football'] },
    { event_id: 'e1', user_id: 'u1', session_id: 's', timestamp: '2026-11-28T10:00:01.000Z', event_type: 'click', content_id: 'c1' },
    { event_id: 'e1', user_id: 'u1', session_id: 's', timestamp: '2026-11-28T10:00:01.000Z', event_type: 'click', content_id: 'c1' },
    { user_id: 'u2', session_id: 's', timestamp: Date.parse('2026-11-28T10:00:00.000Z'), event_type: 'view', content_id: 'c2' },
    { user_id: 'u2', session_id: 's', timestamp: '2026-11-28T10:00:02.000Z', event_type: 'session_end' },
  ];
  const p = file('log.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n');
  const data = await readJsonl(p);
  assert.deepEqual(data.events.map((e) => [e.userId, e.itemId, e.type]), [['u2', 'c2', 'view'], ['u1', 'c1', 'click']]);
  assert.deepEqual(data.items.get('c1'), { category: 'sports', tags: ['football'] });
  const viaFormat = await readReplay(p, 'jsonl');
  assert.equal(viaFormat.events.length, 2);
});
