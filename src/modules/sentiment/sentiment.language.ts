/**
 * Which model reads a text: zh when Han characters are at least a fifth of its letters (Chinese
 * feedback often mixes in Latin brand names and digits); otherwise pt or en by counting short,
 * frequent words of each (and Portuguese-only letters such as ã, ç, õ). A tie goes to `fallback`.
 */
import { normalizeText, type SentimentLanguage } from './sentiment.features.ts';

const PT = new Set(
  ('de que nao o os as do da dos das em um uma para com muito muita mas por foi esta estou produto entrega chegou recomendo prazo otimo otima bom boa ' +
    'ate ja ainda eu meu minha voce pelo pela sim loja veio antes compra comprei recebi gostei tudo certo nota perfeito perfeita perfeitos maravilha ' +
    'nada nem lindo linda sempre pra mt bem rapido rapida excelente entregue qualidade aguardando adorei amei correto conforme esperado ' +
    'produtos chegaram ruim pessimo pessima demorou recebido obrigado obrigada parabens').split(' '),
);
const EN = new Set(
  'the and is it to of not this that was for you with my i have has had but they are be very product delivery arrived recommend great good would will what just really love it\'s did does at on'.split(' '),
);
const PT_LETTERS = /[ãõçâêôáéíóúà]/;

export function detectLanguage(text: string, fallback: SentimentLanguage = 'en'): SentimentLanguage {
  let han = 0;
  let letters = 0;
  for (const ch of text) {
    if (/\p{Script=Han}/u.test(ch)) han++;
    if (/\p{L}/u.test(ch)) letters++;
  }
  if (han > 0 && han * 5 >= letters) return 'zh';
  let pt = PT_LETTERS.test(text.toLowerCase()) ? 2 : 0;
  let en = 0;
  for (const w of normalizeText(text).split(/[^\p{L}']+/u)) {
    if (PT.has(w)) pt++;
    if (EN.has(w)) en++;
  }
  return pt > en ? 'pt' : en > pt ? 'en' : fallback;
}
