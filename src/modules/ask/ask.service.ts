/**
 * Questions in plain words: parse (grammar), interpret (pure), then run the one GraphQL query the
 * question maps to through the schema, so the answer is the direct query's answer. A question that
 * is not understood gets suggestions and no answer: never a guess.
 */
import { ErrorCode, UserError } from '../../errors.ts';
import { checkTimezone, type Range } from './ask.dates.ts';
import { languageOf } from './ask.format.ts';
import { parseQuestion, type AskToken } from './ask.grammar.ts';
import { interpret } from './ask.interpreter.ts';
import type { QueryRunner } from './ask.runner.ts';
import { suggest } from './ask.suggestions.ts';
import { AskStatus, AskTokenKind, type AskResult } from './ask.types.ts';

const MAX_QUESTION = 500;

export class AskService {
  constructor(private readonly deps: { clock: () => Date }) {}

  async ask(args: { question: string; timezone: string }, run: QueryRunner): Promise<AskResult> {
    const question = args.question.trim();
    if (question.length === 0 || question.length > MAX_QUESTION)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `question must be 1 to ${MAX_QUESTION} characters`, { field: 'question' });
    try {
      checkTimezone(args.timezone);
    } catch {
      throw new UserError(ErrorCode.UNKNOWN_TIMEZONE, `unknown time zone ${JSON.stringify(args.timezone)}: expected an IANA name such as "Europe/Paris" or "UTC"`, { field: 'timezone' });
    }
    const lang = languageOf(question);
    const base = { question, language: lang, answer: null, reason: null as string | null };
    const interpretation = (tokens: AskToken[], extra: { intent?: string; query?: string; variables?: Record<string, unknown>; range?: Range | null } = {}) => ({
      tokens: tokens.map((t) => ({ ...t, kind: AskTokenKind[t.kind] })),
      intent: extra.intent ?? null,
      query: extra.query ?? null,
      variables: extra.variables ?? null,
      from: extra.range?.from ?? null,
      to: extra.range?.to ?? null,
      timezone: args.timezone,
    });

    const parsed = parseQuestion(question);
    if (!parsed.ok || parsed.unknown.length > 0 || parsed.slots.tokens.length === 0) {
      const slots = parsed.ok ? parsed.slots : null;
      const reason = !parsed.ok ? `not a question form ask knows (${parsed.problem})` : parsed.unknown.length > 0 ? `words not understood: ${parsed.unknown.join(', ')}` : 'nothing understood';
      return { ...base, status: AskStatus.UNPARSED, reason, unparsed: parsed.unknown, interpretation: interpretation(slots?.tokens ?? []), suggestions: suggest(lang, parsed.unknown, slots) };
    }
    const { slots } = parsed;
    const meant = interpret(slots, { now: this.deps.clock(), timezone: args.timezone, lang });
    if (!meant.ok) return { ...base, status: AskStatus.UNPARSED, reason: meant.reason, unparsed: [], interpretation: interpretation(slots.tokens), suggestions: suggest(lang, [], slots) };

    const { plan } = meant;
    // The date range a question did not name is shown as the default it got.
    const tokens = plan.range && !slots.range ? [...slots.tokens, { text: '', kind: 'DATE_RANGE' as const, value: 'last 30 days (default)' }] : slots.tokens;
    const shown = interpretation(tokens, { intent: plan.intent, query: plan.query, variables: plan.variables, range: plan.range });
    const data = await run(plan.query, plan.variables);
    const answer = plan.answer(data);
    if ('missing' in answer)
      return { ...base, status: AskStatus.UNKNOWN_VALUE, reason: `no segment named ${JSON.stringify(answer.missing)}`, unparsed: [], interpretation: shown, suggestions: answer.suggestions };
    return { ...base, status: AskStatus.ANSWERED, answer, unparsed: [], interpretation: shown, suggestions: [] };
  }
}
