#!/usr/bin/env node
// A committed file, not dist/main.js itself: npm links a bin only when its file exists at install
// time, and dist/ appears later (the repository's `prepare` builds it).
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write('paca-mcp: not built yet; run `npm run build` in the Paca repository\n');
    process.exit(1);
  }
  throw error;
}
