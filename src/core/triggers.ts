/**
 * Recognises the support guide's trigger phrases (seed 000) in what an agent types into the help
 * box — "My emails aren't syncing", "Authorisation failed for my email account" and close
 * variants. Deliberately small and explainable: normalise, tokenise, stem lightly, then look for
 * concept sets (mail + syncing + failure, or authorisation + failure), forgiving one-letter typos
 * on longer words. The result says which words matched, so a surprising answer can be explained.
 */

export type TriggerIntent = 'sync-not-working' | 'authorisation-failed';

export interface TriggerMatch {
  intent: TriggerIntent | undefined;
  /** 0..1: how sure we are. 0 when nothing was recognised. */
  confidence: number;
  /** The words that matched each concept, for explaining the decision. */
  matched: Partial<Record<Concept, string[]>>;
}

type Concept = 'mail' | 'sync' | 'verb' | 'failure' | 'auth' | 'rezi';

const CONCEPT_WORDS: Record<Concept, string[]> = {
  mail: ['email', 'emails', 'mail', 'mails', 'inbox', 'message', 'messages', 'outlook', 'gmail', 'mailbox'],
  // 'sync' alone is enough with a failure ("sync broken"); the other verbs need a mail word too.
  sync: ['sync', 'syncs', 'syncing', 'synced', 'synch', 'synching', 'synchronise', 'synchronising', 'synchronisation', 'resync'],
  verb: [
    'pull',
    'pulling',
    'pulled',
    'import',
    'importing',
    'imported',
    'show',
    'showing',
    'shown',
    'appear',
    'appearing',
    'appeared',
    'file',
    'filing',
    'filed',
    'arrive',
    'arriving',
    'transfer',
    'transferring',
    'upload',
    'uploading',
    'load',
    'loading',
    'link',
    'linking',
    'logging',
  ],
  failure: [
    'not',
    'never',
    'nothing',
    'arent',
    'isnt',
    'wont',
    'dont',
    'doesnt',
    'didnt',
    'cant',
    'cannot',
    'couldnt',
    'havent',
    'hasnt',
    'wasnt',
    'werent',
    'fail',
    'fails',
    'failed',
    'failing',
    'failure',
    'broken',
    'broke',
    'error',
    'errors',
    'stuck',
    'wrong',
    'missing',
    'expired',
    'denied',
    'invalid',
  ],
  auth: [
    'authorisation',
    'authorise',
    'authorised',
    'authorising',
    'auth',
    'authentication',
    'authenticate',
    'permission',
    'permissions',
    'consent',
    'login',
    'signin',
  ],
  rezi: ['rezi', 'dezrez', 'crm'],
};

/** 'stop' is a failure only as "sync stopped" / "stopped working", not as "can I stop syncing?". */
const STOP_FORMS = new Set(['stop', 'stops', 'stopped', 'stopping']);

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Lower case, apostrophes dropped (curly or straight: "aren’t" → "arent"), US → British spelling, punctuation to spaces. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’‘`´]/g, '')
    .replace(/\bsign\s+in\b/g, 'signin')
    .replace(/\blog\s+in\b/g, 'login')
    .replace(/(\w{3,})iz(e|ed|es|ing|ation|ations)\b/g, '$1is$2')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function tokenise(text: string): string[] {
  const n = normalise(text);
  return n ? n.split(' ') : [];
}

/** Optimal string alignment distance, stopping early once it is clearly above 1. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length] <= 1;
}

const STEMS: Record<Concept, Set<string>> = Object.fromEntries(
  (Object.keys(CONCEPT_WORDS) as Concept[]).map((c) => [c, new Set(CONCEPT_WORDS[c].flatMap((w) => [w, stem(w)]))]),
) as Record<Concept, Set<string>>;

const FUZZY_MIN = 5;

/** Which concept a token belongs to; fuzzy (one edit) only for words of five letters or more. */
function conceptsOf(token: string): { concept: Concept; fuzzy: boolean }[] {
  const s = stem(token);
  const out: { concept: Concept; fuzzy: boolean }[] = [];
  for (const c of Object.keys(CONCEPT_WORDS) as Concept[]) {
    if (STEMS[c].has(token) || STEMS[c].has(s)) out.push({ concept: c, fuzzy: false });
  }
  if (out.length || token.length < FUZZY_MIN) return out;
  for (const c of Object.keys(CONCEPT_WORDS) as Concept[]) {
    if (CONCEPT_WORDS[c].some((w) => w.length >= FUZZY_MIN && withinOneEdit(token, w))) out.push({ concept: c, fuzzy: true });
  }
  return out;
}

export function recogniseTrigger(text: string): TriggerMatch {
  const tokens = tokenise(text);
  const matched: Partial<Record<Concept, string[]>> = {};
  let fuzzy = false;
  let firstSubject = -1; // position of the first mail/sync word, for the 'stop' rule
  const add = (c: Concept, w: string) => (matched[c] ??= []).push(w);

  tokens.forEach((t, i) => {
    for (const hit of conceptsOf(t)) {
      add(hit.concept, t);
      fuzzy ||= hit.fuzzy;
      if ((hit.concept === 'mail' || hit.concept === 'sync' || hit.concept === 'verb' || hit.concept === 'auth') && firstSubject < 0) firstSubject = i;
    }
  });
  tokens.forEach((t, i) => {
    if (!STOP_FORMS.has(t) && !STOP_FORMS.has(stem(t))) return;
    // Past tense reports a failure ("Rezi stopped importing"); the bare verb may be a request ("how do I stop syncing?").
    const stoppedWorking = tokens[i + 1] === 'working' || tokens[i + 1] === 'work' || t === 'stopped' || t === 'stoped';
    if (stoppedWorking || (firstSubject >= 0 && firstSubject < i)) add('failure', t);
  });
  // 'no' negates only what follows it: "no emails coming through", not "working, no complaints".
  tokens.forEach((t, i) => {
    if (t === 'no' && i + 1 < tokens.length && conceptsOf(tokens[i + 1]).some((h) => h.concept === 'mail' || h.concept === 'sync')) add('failure', t);
  });

  const has = (c: Concept) => (matched[c]?.length ?? 0) > 0;
  const penalty = fuzzy ? 0.1 : 0;
  let intent: TriggerIntent | undefined;
  let confidence = 0;
  if (has('auth') && has('failure')) {
    intent = 'authorisation-failed';
    confidence = (has('mail') ? 1 : 0.9) - penalty;
  } else if (has('sync') && has('failure')) {
    intent = 'sync-not-working';
    confidence = (has('mail') || has('rezi') ? 1 : 0.85) - penalty;
  } else if (has('mail') && has('verb') && has('failure')) {
    intent = 'sync-not-working';
    confidence = 0.9 - penalty;
  } else if (has('mail') && has('rezi') && has('failure')) {
    intent = 'sync-not-working';
    confidence = 0.6 - penalty;
  }
  return { intent, confidence: Math.round(confidence * 100) / 100, matched: intent ? matched : {} };
}
