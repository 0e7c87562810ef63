/**
 * Live events (SSE /api/v1/events/stream): one EventSource per page, reconnecting by itself
 * (the browser resends Last-Event-ID). Listeners get the event type and its data.
 */
import { onBeforeUnmount, ref } from 'vue';
import { session } from './session.ts';

export interface LiveEvent { id: string; type: string; at: string; subject: { type: string; id: string }; payload: unknown }

const CASE_ACTIONS = [
  'accept', 'requestVerification', 'confirmReport', 'reject', 'void', 'selfHandle', 'dispatch', 'sign', 'return', 'transfer', 'reportHandled',
  'requestExtension', 'decideExtension', 'verifyFix', 'rework', 'close', 'evaluate', 'reopen', 'suspend', 'resume', 'supervise', 'merge', 'unmerge',
];
/** EventSource delivers named events only to listeners for that name: every type we show. */
const TYPES = [
  'case.created', 'case.overdue', 'case.sla_warning', ...CASE_ACTIONS.map((a) => `case.${a}`),
  'alarm.raised', 'alarm.escalated', 'alarm.cleared', 'reset',
];

/** Subscribes for the life of the calling component; `connected` shows the link state. */
export function useLive(onEvent: (event: LiveEvent) => void) {
  const connected = ref(false);
  let source: EventSource | null = null;
  if (session.token) {
    source = new EventSource(`/api/v1/events/stream?access_token=${encodeURIComponent(session.token)}`);
    source.onopen = () => (connected.value = true);
    source.onerror = () => (connected.value = false);
    const handle = (e: MessageEvent) => {
      try {
        onEvent(e.type === 'reset' ? { id: '', type: 'reset', at: '', subject: { type: '', id: '' }, payload: null } : JSON.parse(e.data) as LiveEvent);
      } catch {
        // a frame that is not JSON is not ours to show
      }
    };
    source.onmessage = handle;
    for (const type of TYPES) source.addEventListener(type, handle as EventListener);
  }
  onBeforeUnmount(() => source?.close());
  return { connected };
}
