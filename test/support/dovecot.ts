/** Dovecot for the tests: moved to dev/ so the Outlook sandbox can start one too. */
export * from '../../dev/dovecot';
