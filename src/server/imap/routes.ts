// IMAP companion routes: a stub so the app can register them; the IMAP companion work fills it in.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';

// eslint-disable-next-line @typescript-eslint/no-unused-vars
export async function registerImapRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {}
