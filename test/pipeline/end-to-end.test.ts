import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { runEndToEndScenario } from '../support/e2e-scenario.ts';
import { injectClient } from '../support/http-client.ts';

describe('embedded deployment, end to end', () => {
  let instance: Instance;
  let app: FastifyInstance;
  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:' });
    app = buildApp({ instance });
  });
  after(async () => {
    await app.close();
    await instance.stop();
  });
  it('serves live recommendations that follow the events', async (t) => {
    await runEndToEndScenario(injectClient(app), t);
  });
});
