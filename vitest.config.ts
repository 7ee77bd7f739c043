import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/{unit,http,property,live,bind,cli}/**/*.test.ts'],
          benchmark: { include: ['bench/**/*.bench.ts'] },
        },
      },
      {
        // Real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler).
        // One plane per file, files one after another; the binaries are built (or reused from
        // the cache) by test/e2e/controlplane/build.sh before vitest starts.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
