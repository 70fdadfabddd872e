/** Folder the e2e build of the task pane is written to (test/e2e/.dist). */
export const outDir: string;
/** The repository root. */
export const root: string;
/** Builds the task pane into `outDir` unless it is up to date; returns `outDir`. */
export function ensurePaneBuilt(options?: { log?: (message: string) => void }): string;
/** Whether the pane is wired to its Outlook services yet. */
export function paneWired(): boolean;
