/**
 * The signed-in key lives in sessionStorage: it survives a reload of the tab, never outlives the
 * browser session, and is not sent anywhere but this server's /graphql.
 */
import type { ApiKeyRole } from '../generated/graphql.ts';

const KEY = 'cdp.apiKey';

export interface Session {
  key: string;
  name: string;
  role: ApiKeyRole;
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const storeKey = (key: string) => sessionStorage.setItem(KEY, key);
export const forgetKey = () => sessionStorage.removeItem(KEY);

/** What each role is offered; the server checks again on every call. */
export const can = {
  operate: (s: Session) => s.role === 'OPERATOR' || s.role === 'ADMIN',
  admin: (s: Session) => s.role === 'ADMIN',
  read: (s: Session) => s.role !== 'WRITER',
};
