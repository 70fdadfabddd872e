/** The lease that makes one watcher per account across instances (the sync has its own: imap/service.ts). */
export const watchLeaseKey = (user: { id: string }): string => `imap-watch:${user.id}`;
