/**
 * First step: decide whether an untrusted payload is an event we can read, and type it. Cheap structural
 * checks run before zod so that a hostile payload (huge, deep, prototype keys) never reaches the parser.
 */
import { MAX_GROUP_ID_LENGTH, MAX_GROUP_TRAITS_BYTES } from '../../accounts/account.model.ts';
import type { ValidatedEvent } from '../event.model.ts';
import { hasAnyIdentity } from '../event-identities.ts';
import { eventPayloadSchema, reasonForIssue } from '../event.schema.ts';
import { findJsonShapeProblem } from '../json-shape.ts';
import { ok, quarantine, type StepResult } from '../pipeline.ts';

export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024;

export interface ValidateEventInput {
  raw: unknown;
  receivedAt: Date;
  /** Who sent it as the door knows it (a write key's name, "graphql"); wins over the payload's own `source`. */
  source?: string;
}

export function createValidateEventStep(opts: { maxEventBytes?: number } = {}) {
  const maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;

  return function validateEvent(input: ValidateEventInput): StepResult<ValidatedEvent> {
    const { raw } = input;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return quarantine('not_an_object', `an event must be a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
    }
    // Before serialising: a cyclic value stops here as too_deep rather than throwing in JSON.stringify.
    const shape = findJsonShapeProblem(raw);
    if (shape?.cause === 'prototype_key') return quarantine('prototype_key', `key "${shape.path}" is not allowed`);
    if (shape?.cause === 'too_deep') return quarantine('too_deep', `nested deeper than allowed at "${shape.path}"`);
    if (shape?.cause === 'unstorable_text') return quarantine('unstorable_text', `"${shape.path}" must not contain U+0000 or unpaired surrogates`);
    const bytes = serialisedBytes(raw);
    if (bytes === null) return quarantine('not_an_object', 'the event cannot be serialised as JSON');
    if (bytes > maxEventBytes) return quarantine('event_too_large', `event is ${bytes} bytes, over the ${maxEventBytes}-byte limit`);

    // null is "not sent" for every top-level field, as JSON clients often write it.
    const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
    const parsed = eventPayloadSchema.safeParse(present);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return quarantine(reasonForIssue(issue), `${issue.path.map(String).join('.') || 'event'}: ${issue.message}`);
    }
    const payload = parsed.data;
    if (payload.type === 'TRACK' && !payload.event) return quarantine('missing_event_name', 'a track event needs a non-empty `event`');
    if (payload.type === 'GROUP') {
      const groupId = payload.groupId?.trim() ?? '';
      if (!groupId) return quarantine('missing_group_id', 'a group call needs a non-empty `groupId` (the account)');
      if (groupId.length > MAX_GROUP_ID_LENGTH) return quarantine('invalid_group_id', `groupId is longer than ${MAX_GROUP_ID_LENGTH} characters`);
      const traitBytes = Buffer.byteLength(JSON.stringify(payload.traits ?? {}), 'utf8');
      if (traitBytes > MAX_GROUP_TRAITS_BYTES) return quarantine('traits_too_large', `group traits are ${traitBytes} bytes, over the ${MAX_GROUP_TRAITS_BYTES}-byte limit`);
    }
    if (!hasAnyIdentity(payload)) {
      return quarantine('missing_identity', 'the event names no one: send userId, anonymousId, identities, or an email or phone in traits');
    }
    // The door authenticated the sender, so its source wins: a payload cannot move itself into
    // another system's dedup scope.
    const source = input.source?.trim() || payload.source || '';
    // What the payload calls its system is still worth showing on the touchpoint (an import's "olist").
    return ok({ payload, source, label: payload.source || source, receivedAt: input.receivedAt, raw: raw as Record<string, unknown> });
  };
}

function serialisedBytes(raw: object): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(raw), 'utf8');
  } catch {
    return null; // BigInt and the like: not JSON
  }
}
