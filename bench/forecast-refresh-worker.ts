/**
 * One "replica" of the forecast-refresh bench: the controller's own forecast workers
 * (src/adapters/bullmq/forecast-workers.ts) over the controller's planning source, in a process of
 * its own, so two of them use two cores as two controller pods would. Without the lease, the
 * cluster and the plan cycles, which the refresh does not touch.
 *
 * `npx tsx bench/forecast-refresh-worker.ts <config> <redis-url> <redis-prefix> <holder> <concurrency>`;
 * prints `ready` once its BullMQ worker takes jobs, stops on SIGTERM.
 */
import { ForecastWorkers } from '../src/adapters/bullmq/forecast-workers.ts';
import { closeRedis, createRedis, redisOptionsFromUrl } from '../src/adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../src/adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../src/adapters/bullmq/redis-state.ts';
import { PlanningSource } from '../src/runtime/planning-source/planning-source.ts';

const [configPath, redisUrl, prefix, holder, concurrency] = process.argv.slice(2);
if (configPath === undefined || redisUrl === undefined || prefix === undefined || holder === undefined || concurrency === undefined) {
  process.stderr.write('usage: forecast-refresh-worker.ts <config> <redis-url> <redis-prefix> <holder> <concurrency>\n');
  process.exit(2);
}
const source = new PlanningSource({ configPath });
await source.load();
const redis = createRedis(redisUrl, { name: `bench-${holder}` });
const keys = redisKeys(prefix);
const workers = new ForecastWorkers({
  connection: redisOptionsFromUrl(redisUrl), prefix: keys.bullmqPrefix, redis, keys, state: new RedisStateStore(redis, keys),
  forecastBatch: (nowMs, workloads, fits) => source.forecastBatch(nowMs, workloads, fits), holder, concurrency: Number(concurrency), lockDurationMs: 30_000,
  onError: (error) => process.stderr.write(`${holder}: ${error.message}\n`),
});
workers.start();
await workers.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void workers.close().then(() => closeRedis(redis)).then(() => process.exit(0));
});
