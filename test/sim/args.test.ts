import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSimulateArgs } from '../../src/sim/args.ts';

test('parses every flag, in both --flag value and --flag=value forms', () => {
  const o = parseSimulateArgs(['--url', 'http://127.0.0.1:8080', '--users=20', '--items', '300', '--rate', '12.5', '--duration', '2m', '--seed', '9']);
  assert.equal(o.url, 'http://127.0.0.1:8080/');
  assert.deepEqual([o.users, o.items, o.rate, o.durationMs, o.seed], [20, 300, 12.5, 120_000, 9]);
});

test('defaults apply when only --url is given', () => {
  const o = parseSimulateArgs(['--url', 'http://localhost:8080']);
  assert.deepEqual([o.users, o.items, o.rate, o.durationMs], [1000, 5000, 100, 60_000]);
  assert.ok(Number.isInteger(o.seed));
});

test('durations: ms, s, m, h and bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5'), 1500);
  for (const bad of ['', '0s', '-1s', 'abc', '10 parsecs', '5d']) assert.equal(parseDuration(bad), undefined, bad);
});

test('errors name the bad flag', () => {
  const url = ['--url', 'http://127.0.0.1:1'];
  const cases: [string[], RegExp][] = [
    [[], /^--url: is required/],
    [['--url', 'ftp://x'], /^--url: must use http or https/],
    [['--url', 'not a url'], /^--url: must be an absolute/],
    [[...url, '--rate', '0'], /^--rate: must be a positive number/],
    [[...url, '--rate', 'fast'], /^--rate: must be a positive number/],
    [[...url, '--users', '1.5'], /^--users: must be a positive integer/],
    [[...url, '--items', '-3'], /^--items: must be a positive integer/],
    [[...url, '--duration', 'soon'], /^--duration: must be a positive duration/],
    [[...url, '--seed', 'x'], /^--seed: must be an integer/],
    [[...url, '--rate'], /^--rate: needs a value/],
    [[...url, '--rate', '--users', '3'], /^--rate: needs a value/],
    [[...url, '--speed', '3'], /^--speed: unknown option/],
    [[...url, 'extra'], /^extra: unexpected argument/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseSimulateArgs(argv), { message }, argv.join(' '));
});
