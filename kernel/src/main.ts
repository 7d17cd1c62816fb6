#!/usr/bin/env node
import { ConfigError, loadConfig, type KernelConfig } from './config/config.js';
import { openKernel } from './open-kernel.js';

async function main(): Promise<void> {
  let config: KernelConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const kernel = await openKernel(config);
  const log = kernel.app.log;
  if (kernel.bootstrap.generatedPassword) {
    // D10: printed once; also kept in DATA_DIR/admin-password for the operator.
    process.stdout.write(`\n  Admin account created: ${config.adminUsername} / ${kernel.bootstrap.generatedPassword}\n`
      + `  (saved to ${config.dataDir}/admin-password)\n\n`);
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await kernel.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await kernel.app.listen({ port: config.port, host: config.host });
  log.info({ mode: config.mode, url: config.publicUrl }, `Paca is ready at ${config.publicUrl}`);
}

main().catch((error) => {
  process.stderr.write(`Paca failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
