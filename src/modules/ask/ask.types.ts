/** GraphQL shapes of `ask`: what was understood, the query run, and the answer or suggestions. */
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars.ts';

export enum AskStatus {
  ANSWERED = 'ANSWERED',
  UNPARSED = 'UNPARSED',
  UNKNOWN_VALUE = 'UNKNOWN_VALUE',
}
registerEnumType(AskStatus, {
  name: 'AskStatus',
  description: 'ANSWERED: `answer` holds the table. UNPARSED: the question (or part of it) was not understood; no answer, see `suggestions`. UNKNOWN_VALUE: understood, but it names something the data does not have (a segment); `suggestions` lists what exists.',
});

export enum AskTokenKind {
  MEASURE = 'MEASURE',
  DIMENSION = 'DIMENSION',
  FILTER = 'FILTER',
  DATE_RANGE = 'DATE_RANGE',
  DATE_BUCKET = 'DATE_BUCKET',
  TOP_N = 'TOP_N',
  KEYWORD = 'KEYWORD',
  VALUE = 'VALUE',
}
registerEnumType(AskTokenKind, { name: 'AskTokenKind', description: 'The kind of a word block (ThoughtSpot-style search tokens).' });

@ObjectType({ description: 'One word block of the question as understood.' })
export class AskToken {
  @Field(() => String, { description: 'The words of the question (empty for a default, such as the date range when none is named).' }) text!: string;
  @Field(() => AskTokenKind) kind!: AskTokenKind;
  @Field(() => String, { description: 'What it stands for: a measure, dimension, tier, period, number...' }) value!: string;
}

@ObjectType({ description: 'How the question was read and what ran.' })
export class AskInterpretation {
  @Field(() => [AskToken]) tokens!: AskToken[];
  @Field(() => String, { nullable: true, description: 'The analysis chosen (TRENDS, METRICS, CHANNEL_PERFORMANCE, ...); null when not understood.' }) intent!: string | null;
  @Field(() => String, { nullable: true, description: 'The GraphQL query run, exactly; send it with `variables` to get the same data.' }) query!: string | null;
  @Field(() => JSONScalar, { nullable: true }) variables!: Record<string, unknown> | null;
  @Field(() => Date, { nullable: true, description: 'The resolved date range, when the analysis has one.' }) from!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive.' }) to!: Date | null;
  @Field(() => String) timezone!: string;
}

@ObjectType({ description: 'The answer as a table and one sentence in the question\'s language.' })
export class AskAnswer {
  @Field(() => [String]) columns!: string[];
  @Field(() => [JSONScalar], { description: 'One JSON array per row, cells in the order of `columns` (a cell may be null).' }) rows!: unknown[][];
  @Field(() => String) sentence!: string;
}

@ObjectType({ description: 'The result of a question in plain words.' })
export class AskResult {
  @Field(() => String) question!: string;
  @Field(() => String, { description: 'en or zh: the language of the sentence and suggestions.' }) language!: string;
  @Field(() => AskStatus) status!: AskStatus;
  @Field(() => AskInterpretation) interpretation!: AskInterpretation;
  @Field(() => AskAnswer, { nullable: true, description: 'Only when ANSWERED: never a guess.' }) answer!: AskAnswer | null;
  @Field(() => [String], { description: 'Words not understood.' }) unparsed!: string[];
  @Field(() => String, { nullable: true, description: 'Why the question was not answered.' }) reason!: string | null;
  @Field(() => [String], { description: 'Questions that would be understood (and, for UNKNOWN_VALUE, the values that exist).' }) suggestions!: string[];
}
