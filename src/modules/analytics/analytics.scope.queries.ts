/** The analytics scope for other modules (clusters read "customers with a touchpoint in scope" the same way analytics does). */
export { scopedTouchpoints } from './analytics.scope.sql.ts';
