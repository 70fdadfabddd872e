/** The slot for the Troubleshoot view: App renders it with these props when the view is 'troubleshoot'. */
import type { ApiStatus } from '../core/api';
import type { PaneServices, PaneError, SignedInAccount } from '../outlook/pane-port';
import type { Connection } from './useSyncState';

export interface TroubleshootViewProps {
  services: PaneServices;
  connection: Connection;
  account: SignedInAccount | null | undefined;
  status?: ApiStatus;
  /** The last failure the pane saw (sign-in, status, or a run stopped early). */
  lastError?: PaneError;
  /** Signs in again and, on success, refreshes the status card. */
  onReconnect(): Promise<void>;
  /** Clears MSAL's cache and the pane's storage through the pane state, so the status card follows. */
  onClearCachedSession(): Promise<void>;
  /** Back to the main view. */
  onBack(): void;
  /** The add-in's version, for the support report. */
  clientVersion?: string;
}
