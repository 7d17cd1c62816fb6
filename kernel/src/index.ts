export { createKernel } from './kernel.js';
export type { Kernel, KernelOptions } from './kernel.js';
export { openKernel } from './open-kernel.js';
export { loadConfig, ConfigError, ENV_VARIABLES } from './config/config.js';
export type { KernelConfig } from './config/config.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { KERNEL_VERSION } from './version.js';
