/** The featurizer and the scorer on hand-checked tiny cases. */
import { describe, expect, it } from 'vitest';
import { features, normalizeText } from '../../../src/modules/sentiment/sentiment.features.ts';
import { detectLanguage } from '../../../src/modules/sentiment/sentiment.language.ts';
import { SentimentModel, toResult, type SentimentModelFile } from '../../../src/modules/sentiment/sentiment.model.ts';
import { localeLanguage, SentimentScorer, touchpointText } from '../../../src/modules/sentiment/sentiment.scorer.ts';

const words = { wordBigrams: false, charNgrams: [] };

describe('features', () => {
  it('folds case and accents and spells out "n\'t"', () => {
    expect(normalizeText('NÃO Recomendo, Ótimo')).toBe('nao recomendo, otimo');
    expect(normalizeText("Don't")).toBe('do not');
  });

  it('marks up to three words after a negator, stopping at punctuation', () => {
    expect([...features('não recomendo este produto mesmo. bom', 'pt', words)]).toEqual(['w:nao', 'w:~recomendo', 'w:~este', 'w:~produto', 'w:mesmo', 'w:bom']);
    expect([...features('not good, great', 'en', words)]).toEqual(['w:not', 'w:~good', 'w:great']);
  });

  it('adds word bigrams, character n-grams inside " word ", and ! / ?', () => {
    expect([...features('muito bom!', 'pt', { wordBigrams: true, charNgrams: [] })]).toEqual(['w:muito', 'w:bom', 'b:muito bom', 'p:!']);
    expect([...features('Bom', 'pt', { wordBigrams: false, charNgrams: [3] })]).toEqual(['w:bom', 'c: bo', 'c:bom', 'c:om ']);
  });

  it('reads Chinese as characters and character bigrams', () => {
    expect([...features('很好吃', 'zh', words)]).toEqual(['u:很', 'b:很好', 'u:好', 'b:好吃', 'u:吃']);
  });
});

describe('scorer', () => {
  // A tiny model by hand: "bom" +2, "ruim" −2, bias 0, band 0.05.
  const file: SentimentModelFile = { format: 'cdp-sentiment-logreg-1', language: 'pt', spec: words, neutralBand: 0.05, bias: 0, weights: { 'w:bom': 2, 'w:ruim': -2 } };
  const model = new SentimentModel(file);

  it('is σ(bias + Σw/√n) mapped to 2p − 1 with 4 decimals', () => {
    // "bom": one feature, logit 2 → p = 0.880797 → score 0.7616.
    expect(model.score('bom')).toEqual({ label: 'POSITIVE', score: 0.7616 });
    // "produto ruim": two features, logit −2/√2 = −1.41421 → p = 0.195571 → score −0.6089 (= −tanh(0.70711)).
    expect(model.score('produto ruim')).toEqual({ label: 'NEGATIVE', score: -0.6089 });
    // "bom ruim": logit 0 → NEUTRAL.
    expect(model.score('bom ruim')).toEqual({ label: 'NEUTRAL', score: 0 });
    // No feature at all: the bias alone.
    expect(model.score('')).toEqual({ label: 'NEUTRAL', score: 0 });
  });

  it('answers NEUTRAL inside the band, inclusive', () => {
    // score 0.05 exactly ↔ p = 0.525 ↔ logit ln(0.525/0.475).
    expect(toResult(Math.log(0.525 / 0.475), 0.05).label).toBe('NEUTRAL');
    expect(toResult(Math.log(0.53 / 0.47), 0.05).label).toBe('POSITIVE');
    expect(toResult(-Math.log(0.53 / 0.47), 0.05).label).toBe('NEGATIVE');
  });

  it('refuses a model file of another format', () => {
    expect(() => new SentimentModel({ ...file, format: 'other' as never })).toThrow(/format/);
  });

  it('loads the shipped models and scores clear cases', () => {
    const scorer = SentimentScorer.load();
    expect(scorer.score('Produto excelente, chegou antes do prazo', null).label).toBe('POSITIVE');
    expect(scorer.score('Não recebi o produto, péssimo', null).label).toBe('NEGATIVE');
    expect(scorer.score('太难吃了', null)).toMatchObject({ language: 'zh', label: 'NEGATIVE' });
  });
});

describe('text and language of a touchpoint', () => {
  it('joins the configured keys in their order, skipping blanks and non-strings', () => {
    expect(touchpointText({ review_comment_message: 'chegou', review_comment_title: 'Bom', comment: 3 }, ['review_comment_title', 'review_comment_message', 'comment'])).toBe('Bom. chegou');
    expect(touchpointText({ message: '  ' }, ['message'])).toBeNull();
  });

  it('takes the language from context.locale when it names one we score', () => {
    expect(localeLanguage({ locale: 'pt-BR' })).toBe('pt');
    expect(localeLanguage({ locale: 'zh_CN' })).toBe('zh');
    expect(localeLanguage({ locale: 'fr-FR' })).toBeNull();
    expect(localeLanguage({ locale: 'ptx' })).toBeNull();
  });

  it('detects zh by Han characters, pt vs en by frequent words, ties to the fallback', () => {
    expect(detectLanguage('iPhone 很好用')).toBe('zh');
    expect(detectLanguage('o produto chegou')).toBe('pt');
    expect(detectLanguage('the product arrived')).toBe('en');
    expect(detectLanguage('OK', 'pt')).toBe('pt');
    expect(detectLanguage('OK', 'en')).toBe('en');
  });
});
