/** Office's theme (light or dark) for the pane: read at start and followed when the user changes it. */

/** Whether a CSS hex colour is dark (relative luminance below the midpoint). */
export function isDarkColour(colour: string | undefined): boolean | undefined {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(colour?.trim() ?? '');
  if (!m) return undefined;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** Office's theme now, when the host exposes it (Mailbox 1.14); else the browser's preference. */
export function officeIsDark(): boolean {
  try {
    const dark = isDarkColour(Office.context.officeTheme?.bodyBackgroundColor);
    if (dark !== undefined) return dark;
  } catch {
    // No officeTheme on this host.
  }
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Follows OfficeThemeChanged where the host supports it; a no-op elsewhere. */
export function subscribeOfficeTheme(listener: (dark: boolean) => void): () => void {
  const mailbox = (() => {
    try {
      return Office.context.mailbox;
    } catch {
      return undefined;
    }
  })();
  if (!mailbox?.addHandlerAsync || !Office.EventType?.OfficeThemeChanged) return () => undefined;
  const handler = (args: Office.OfficeThemeChangedEventArgs) => {
    const dark = isDarkColour(args?.officeTheme?.bodyBackgroundColor);
    if (dark !== undefined) listener(dark);
  };
  try {
    mailbox.addHandlerAsync(Office.EventType.OfficeThemeChanged, handler);
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      mailbox.removeHandlerAsync(Office.EventType.OfficeThemeChanged);
    } catch {
      // Pane closing: nothing to clean up.
    }
  };
}
