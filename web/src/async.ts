/** Loading and error state for one call: every panel shows one of loading, error (with retry) or its data. */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { errorText } from './api/client.ts';

export interface Async<T> { data: ShallowRef<T | null>; loading: Ref<boolean>; error: Ref<string | null>; run: () => Promise<void> }

export function useAsync<T>(load: () => Promise<T>): Async<T> {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let generation = 0;
  const run = async () => {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const value = await load();
      if (mine === generation) data.value = value;
    } catch (e) {
      if (mine === generation) error.value = errorText(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  };
  return { data, loading, error, run };
}

/** "2天3小时", "45分钟": a duration as people say it. */
export function humanDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d}天${h ? `${h}小时` : ''}`;
  if (h > 0) return `${h}小时${m ? `${m}分钟` : ''}`;
  return `${m}分钟`;
}

export const formatTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }) : '—';
