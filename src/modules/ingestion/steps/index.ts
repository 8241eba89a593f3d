export { createValidateEventStep, type ValidateEventInput } from './validate-event.ts';
export { createNormalizeEventStep } from './normalize-event.ts';
export { dropSuppressed } from './drop-suppressed.ts';
export { createScoreSentimentStep } from './score-sentiment.ts';
