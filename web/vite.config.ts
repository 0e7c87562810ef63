import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Built into web/dist and served by the API server from `/` (src/http/static.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
