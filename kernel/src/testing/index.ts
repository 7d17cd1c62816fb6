export { startTestKernel, TEST_ADMIN_PASSWORD } from './start-test-kernel.js';
export type { ApiCall, ApiResponse, StartTestKernelOptions, TestKernel, TestPlugin, TestUser } from './start-test-kernel.js';
export { expectData, expectError, expectStatus } from './assertions.js';
export { startTestS3Server } from './s3-test-server.js';
export type { TestS3Server } from './s3-test-server.js';
export { expectToolsMapToRoutes, readManifest } from './tool-mappings.js';
export type { ListedTool, PluginManifestFile } from './tool-mappings.js';
