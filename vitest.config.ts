import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real processes and git repositories, and mostly wait on them: three files at a time on 2
    // cores keep the suite under 5 minutes (306 s with two, 275 s with three, on a clean clone).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 3,
  },
});
