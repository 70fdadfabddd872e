import { normalise, recogniseTrigger } from '../../src/core/triggers';

describe('recogniseTrigger', () => {
  it.each([
    ['My emails aren’t syncing', 'sync-not-working'],
    ['Email sync stopped working', 'sync-not-working'],
    ['Rezi not pulling in my emails', 'sync-not-working'],
    ['Authorisation failed for my email account', 'authorisation-failed'],
  ])('recognises the guide’s phrase %p', (text, intent) => {
    const m = recogniseTrigger(text);
    expect(m.intent).toBe(intent);
    expect(m.confidence).toBeGreaterThanOrEqual(0.85);
  });

  // None of these phrasings appears in the code: they are what agents actually type.
  it.each([
    ["My emails aren't syncing", 'sync-not-working'],
    ['MY EMAILS ARENT SYNCING!!!', 'sync-not-working'],
    ['emails not syncing to rezi', 'sync-not-working'],
    ['my mail won’t sync', 'sync-not-working'],
    ['sync broken', 'sync-not-working'],
    ['Authorization failed', 'authorisation-failed'],
    ['authorization failed on my outlook account', 'authorisation-failed'],
    ['emails aren’t showing in Rezi', 'sync-not-working'],
    ['my emials arent sycning', 'sync-not-working'],
    ['Emial sync has stoped working', 'sync-not-working'],
    ['Rezi isnt importing my inbox', 'sync-not-working'],
    ['my e-mails don’t appear in rezi anymore', 'sync-not-working'],
    ['Outlook sync is stuck', 'sync-not-working'],
    ['syncing failed again', 'sync-not-working'],
    ['no emails coming through to Rezi', 'sync-not-working'],
    ['Authorisaton error for mail account', 'authorisation-failed'],
    ['permission denied when I connect my email', 'authorisation-failed'],
    ['Messages not being filed in Rezi', 'sync-not-working'],
    ['email syncing has stopped', 'sync-not-working'],
    ['Rezi stopped importing my emails', 'sync-not-working'],
    ['emails not coming into rezi', 'sync-not-working'],
  ])('recognises the unseen variant %p', (text, intent) => {
    expect(recogniseTrigger(text).intent).toBe(intent);
  });

  it.each([
    'How do I add a contact?',
    'sync is working great thanks',
    'Sync is working fine, no complaints',
    'Can I stop syncing my emails?',
    'How do I stop Rezi importing my inbox?',
    'How do I set up email sync?',
    'Where do failed emails go?',
    'What is a group card?',
    'How do I book a viewing?',
    'Thanks, all sorted now',
    '',
  ])('does not fire on %p', (text) => {
    const m = recogniseTrigger(text);
    expect(m.intent).toBeUndefined();
    expect(m.confidence).toBe(0);
  });

  it('explains what it matched, and is less sure about typos', () => {
    const exact = recogniseTrigger('My emails aren’t syncing');
    expect(exact.matched).toMatchObject({ mail: ['emails'], sync: ['syncing'], failure: ['arent'] });
    const typo = recogniseTrigger('My emials aren’t syncing');
    expect(typo.intent).toBe('sync-not-working');
    expect(typo.confidence).toBeLessThan(exact.confidence);
  });

  it('normalises apostrophes, case and US spelling', () => {
    expect(normalise('Aren’t AUTHORIZED, Authorization')).toBe('arent authorised authorisation');
    expect(normalise("won't")).toBe('wont');
  });
});
