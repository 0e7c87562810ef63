/** Shared by the scale-out tests: the NATS server and whether it answers. */
import { connect } from '@nats-io/transport-node';

export const NATS_URL = process.env.CHENGYUN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000, maxReconnectAttempts: 0 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
