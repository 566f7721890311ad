/**
 * The worker-thread side of a {@link RemoteTopologyDriver}: runs one processor under a
 * TopologyDriver and answers the stream task's messages in order (restore, assign, process, drain).
 * The processor comes from a module named in `workerData` that exports `createTopology(options)`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TopicPartition } from '../log/types.ts';
import { TopologyDriver } from './driver.ts';
import type { ToWorker, FromWorker, WorkerTopology, WorkerTopologyData } from './remote-driver.ts';
import { packAppends, packWrites, transferList, unpackRecords, unpackWrites } from './worker-wire.ts';

const port = parentPort!;
const data = workerData as WorkerTopologyData;
const { createTopology } = (await import(data.module)) as { createTopology: (options: unknown) => WorkerTopology };
const topology = createTopology(data.options);
const driver = new TopologyDriver(topology.processor);

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function handle(m: ToWorker): void {
  switch (m.t) {
    case 'restore':
      for (const w of unpackWrites(m.writes)) driver.restoreEntry(w.store, w.key, w.partition, w.value!);
      return;
    case 'assigned':
      driver.assigned(m.partitions as TopicPartition[]);
      return;
    case 'revoked':
      driver.revoked(m.partitions as TopicPartition[]);
      return;
    case 'process':
      driver.process(unpackRecords(m.records));
      return send({ t: 'processed', id: m.id, commitRequested: driver.commitRequested });
    case 'tick':
      driver.tick();
      return send({ t: 'processed', id: m.id, commitRequested: driver.commitRequested });
    case 'drain': {
      const { state, outputs } = driver.drain();
      const writes = packWrites(state);
      const appends = packAppends(outputs);
      return send({ t: 'drained', id: m.id, writes, outputs: appends, report: topology.report?.() }, transferList(writes.values, appends.values));
    }
    case 'discard':
      driver.discard();
      return;
    case 'call':
      topology.handle?.(m.name, m.payload);
      return;
  }
}

port.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (error) {
    // The task stops on it (as it would on the same error thrown in its own thread).
    send({ t: 'error', id: 'id' in m ? m.id : -1, error });
  }
});
send({ t: 'ready' });
