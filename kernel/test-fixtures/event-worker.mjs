// A child process for the D33 kill tests: runs a relay, a consumer, or a whole embedded kernel's
// event pipeline against the database it is given, and SIGKILLs itself at the point under test.
// Usage: node event-worker.mjs '<json options>'
import { ConsumerHost, InProcessTransport, migrateKernel, openDatabase, Outbox, RedisTransport, Relay, systemClock } from '@paca/kernel';

const options = JSON.parse(process.argv[2]);
const database = await openDatabase(options.databaseUrl ? { url: options.databaseUrl } : { pgliteDir: options.pgliteDir });
const db = database.knex;
await migrateKernel(db);
await db.raw('CREATE TABLE IF NOT EXISTS test_applications (event_id bigint NOT NULL, consumer text NOT NULL)');
const transport = options.redisUrl ? new RedisTransport(options.redisUrl, options.redisStream) : new InProcessTransport();
const die = () => process.kill(process.pid, 'SIGKILL');

/** The consumer under test: its effect is a row per application, so doubles are countable. */
export function testConsumer(killAtEvent) {
  let seen = 0;
  return {
    name: 'kill-test',
    types: ['test.*'],
    async handle(tx, event) {
      await tx('test_applications').insert({ event_id: event.id, consumer: 'kill-test' });
      seen += 1;
      // Effect applied, cursor not yet committed: the whole transaction must vanish.
      if (killAtEvent && seen === killAtEvent) die();
    },
  };
}

if (options.emit) {
  const outbox = new Outbox(systemClock);
  const definition = { name: 'test.happened', schema: { type: 'object' }, clientAction: null };
  for (let i = 0; i < options.emit; i++) {
    await db.transaction((tx) => outbox.emit(tx, definition, { projectId: options.scope, actor: null, payload: { i } }));
  }
}

if (options.consume) {
  const host = new ConsumerHost(db, transport, { batchSize: options.batchSize ?? 100 });
  host.register(testConsumer(options.killAtEvent));
  host.start();
  await host.catchUp();
  await host.stop();
}

if (options.relay) {
  let published = 0;
  const relay = new Relay(db, transport, systemClock, {
    batchSize: options.batchSize ?? 100,
    onError: (error) => {
      process.stderr.write(`relay failed: ${error?.stack ?? error}\n`);
      process.exit(3);
    },
    afterPublish: (count) => {
      published += count;
      if (options.killAfterPublish && published >= options.killAfterPublish) die();
    },
  });
  await relay.drain();
}

if (options.consumeAfterRelay) {
  const host = new ConsumerHost(db, transport);
  host.register(testConsumer(options.killAtEvent));
  host.start();
  await host.catchUp();
  await host.stop();
}

await transport.close();
await database.close();
process.stdout.write('done\n');
