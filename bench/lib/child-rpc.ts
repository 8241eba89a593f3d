/**
 * Parent side of the bench's forked load clients (fan-out, steady load): send one message, wait for
 * the answer of the expected type; an `error` answer, another type or the child's exit rejects.
 * Messages the caller marks as asides (progress reports) are let through without answering.
 */
import type { ChildProcess } from 'node:child_process';

type Message = { type: string; message?: string };

export function requestChild<From extends Message, T extends From['type']>(
  child: ChildProcess,
  label: string,
  message: unknown,
  expect: T,
  isAside: (m: From) => boolean = () => false,
): Promise<Extract<From, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: From) => {
      if (isAside(m)) return;
      cleanup();
      if (m.type === expect) resolve(m as Extract<From, { type: T }>);
      else reject(new Error(m.type === 'error' ? `${label}: ${m.message}` : `${label} answered ${m.type}, expected ${expect}`));
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${label} exited with ${code}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message as object);
  });
}

/** Asks the child to close, kills it if it will not, and waits for it to be gone. */
export async function closeChild(child: ChildProcess, close: () => Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  await close().catch(() => child.kill());
  if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
}
