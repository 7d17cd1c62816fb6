import type { TestProject } from 'vitest/node';
import { startKernelServer } from './kernel-server.js';

// One kernel for the whole e2e run; each spec creates its own users and projects.
export default async function setup(project: TestProject) {
  const server = await startKernelServer();
  project.provide('baseUrl', server.baseUrl);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
