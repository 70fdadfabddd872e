/**
 * The sandbox's demo mailbox: a week of an agent's mail at Brightwells' Clifton branch (the demo
 * directory's user, src/server/store/demo-data.ts). Senders and recipients are the directory's own
 * contacts where a mail should file, and strangers where it should fail, so every outcome the product
 * has shows up on the first Sync. Deterministic: the same mails, ids aside, on every start.
 */
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import type { GraphStandin, SeedMessage } from '../graph-standin';

export const AGENT = { email: DEMO_USERS.agent.email, name: DEMO_USERS.agent.name };

export interface DemoMail {
  /** Where it sits when the sandbox starts. */
  folder: 'inbox' | 'sentitems' | 'Rezi-Imported/Queue';
  /** Where a sync must file it (the demo directory decides; test/dev/sandbox checks it). */
  expect: 'Received' | 'Sent' | 'Failed';
  seed: SeedMessage;
}

const me = { name: AGENT.name, address: AGENT.email };
const a = DEMO_ADDRESSES;
/** Hours before Friday 20 November 2026, 17:00 GMT. */
const at = (hoursAgo: number) => new Date(Date.UTC(2026, 10, 20, 17) - hoursAgo * 3_600_000).toISOString();
let n = 0;
const mid = (domain: string) => `<sandbox-${++n}@${domain}>`;

function inbound(from: { name: string; address: string }, subject: string, hoursAgo: number, bodyPreview: string, expect: DemoMail['expect']): DemoMail {
  return {
    folder: 'inbox',
    expect,
    seed: { from, to: [me], subject, bodyPreview, receivedDateTime: at(hoursAgo), internetMessageId: mid(from.address.split('@')[1]) },
  };
}

function outbound(to: { name: string; address: string }, subject: string, hoursAgo: number, bodyPreview: string, expect: DemoMail['expect']): DemoMail {
  return {
    folder: 'sentitems',
    expect,
    seed: { from: me, to: [to], subject, bodyPreview, sentDateTime: at(hoursAgo), receivedDateTime: at(hoursAgo), internetMessageId: mid('brightwells.co.uk') },
  };
}

export function demoMails(): DemoMail[] {
  n = 0;
  const sarah = { name: 'Sarah Whitfield', address: a.cliftonVendor };
  const james = { name: 'James Okoro', address: a.cliftonTwoGroups };
  const henry = { name: 'Henry Pemberton', address: a.cliftonLandlord };
  const oliver = { name: 'Oliver Bennett', address: 'oliver.bennett@example.com' };
  const george = { name: 'George Fletcher', address: 'george.fletcher@example.com' };
  const noah = { name: 'Noah Underwood', address: 'noah.underwood@example.net' };
  const jack = { name: 'Jack Khan', address: 'jack.khan@example.com' };
  const arthur = { name: 'Arthur Owens', address: 'arthur.owens@example.com' };
  const rosie = { name: 'Rosie Lloyd', address: 'rosie.lloyd@example.co.uk' };
  const isla = { name: 'Isla Young', address: 'isla.young@example.co.uk' };
  const fiona = { name: 'Fiona Gallagher', address: a.redlandOnly };
  const mails: DemoMail[] = [
    inbound(
      sarah,
      'Viewing feedback for 14 Elm Road',
      2,
      'Thanks for showing the Hendersons round on Thursday. They loved the garden but worry about the kitchen…',
      'Received',
    ),
    inbound(
      james,
      'Offer on 27 Hampton Park',
      3,
      'Following our viewing we would like to offer £465,000, subject to survey. Our mortgage in principle is attached.',
      'Received',
    ),
    inbound(
      henry,
      'Gas safety certificate — 3 Royal York Crescent',
      5,
      'Please find attached the CP12 from Tuesday’s inspection. The boiler passed; the engineer noted the flue…',
      'Received',
    ),
    inbound(
      { name: 'Bristol Gas Services', address: 'bookings@bristolgas.example' },
      'Your gas safety inspection is booked',
      6,
      'Your engineer will attend on Monday 23 November between 8 am and 12 noon.',
      'Failed',
    ),
    inbound(
      noah,
      'Tenancy renewal — 62 Canynge Square',
      8,
      'We would like to renew for another twelve months. Could you send over the new agreement?',
      'Received',
    ),
    inbound(
      oliver,
      'Re: Valuation for 23 Whiteladies Road',
      10,
      'Happy to go ahead with the asking price you suggested. When can the photographer come?',
      'Received',
    ),
    inbound(
      { name: 'Land Registry Updates', address: 'noreply@landregistry.example' },
      'Title register ready to download',
      12,
      'The official copy you requested is ready.',
      'Failed',
    ),
    inbound(
      george,
      'Deposit protection certificate — 49 Pembroke Road',
      20,
      'The deposit has been registered with the scheme; the certificate is attached for the tenants.',
      'Received',
    ),
    inbound(jack, 'Second viewing request, 75 Richmond Terrace', 24, 'We would love a second look on Saturday morning, if the vendor agrees.', 'Received'),
    inbound(
      { name: 'A. Newman', address: 'a.newman@example.invalid' },
      'Is the flat on Clifton Road still available?',
      26,
      'I saw the listing online. Is it still available to rent from January?',
      'Failed',
    ),
    inbound(arthur, 'Boiler not working — 21 Victoria Square', 28, 'Since last night there is no hot water. Can someone come out tomorrow?', 'Received'),
    inbound(rosie, 'Mortgage valuation booked', 30, 'The lender’s surveyor will visit 34 Gloucester Row next Wednesday.', 'Received'),
    inbound(fiona, 'Viewing feedback, 41 Cotham Hill', 32, 'The viewers on Tuesday have asked about the loft conversion.', 'Failed'),
    inbound(isla, 'Chain update', 44, 'Our buyers have their survey back and are ready to exchange.', 'Received'),
    inbound(
      { name: 'Zoë Brandt', address: a.cliftonIdn },
      'Any two-bedroom flats in Clifton?',
      50,
      'We are looking for something near the Downs, up to £1,600 a month.',
      'Received',
    ),
    inbound(
      { name: 'Marketing Weekly', address: 'newsletter@propertynews.example' },
      'This week in property: rates, rents and the spring market',
      60,
      'Five things every agent should know this week.',
      'Failed',
    ),
    outbound(james, 'Your offer on 27 Hampton Park', 1, 'I have put your offer of £465,000 to the vendor and will call you as soon as I hear back.', 'Sent'),
    outbound(henry, 'Tenancy renewal terms for 3 Royal York Crescent', 4, 'The tenants have asked to renew; attached are the proposed terms.', 'Sent'),
    outbound(sarah, 'Photographs and floor plan for 14 Elm Road', 22, 'Here are the photographs for your approval before we go live on Monday.', 'Sent'),
    outbound(
      { name: 'Fixit Plumbing', address: 'jobs@fixitplumbing.example' },
      'Job request: no hot water at 21 Victoria Square',
      27,
      'Please attend tomorrow morning; the tenant is Arthur Owens.',
      'Failed',
    ),
  ];
  // Left in Queue by an earlier sync that was interrupted: the next sync files them too.
  const queued: DemoMail[] = [
    { ...inbound(noah, 'Inventory for 62 Canynge Square', 70, 'Attached is the check-in inventory, signed.', 'Received'), folder: 'Rezi-Imported/Queue' },
    {
      ...inbound(
        { name: 'Clifton Lettings Forum', address: 'events@cliftonforum.example' },
        'Landlord breakfast, 3 December',
        72,
        'Join us at the Avon Gorge Hotel.',
        'Failed',
      ),
      folder: 'Rezi-Imported/Queue',
    },
    {
      ...outbound(oliver, 'Energy performance certificate booked', 74, 'The assessor will visit 23 Whiteladies Road on Friday.', 'Sent'),
      folder: 'Rezi-Imported/Queue',
    },
  ];
  return [...mails, ...queued];
}

/** Puts the demo mailbox into the Graph stand-in; returns each mail's first REST id with its seed. */
export function seedDemoMailbox(graph: GraphStandin, mails: DemoMail[] = demoMails()): { id: string; mail: DemoMail }[] {
  if (mails.some((m) => m.folder.startsWith('Rezi-Imported/'))) graph.createFolderPath('Rezi-Imported/Queue');
  return mails.map((mail) => ({ id: graph.addMessage(mail.folder, mail.seed), mail }));
}
