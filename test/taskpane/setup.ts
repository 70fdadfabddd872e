/** jsdom lacks a few browser APIs Fluent UI touches; import this first in every pane test. */
if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    window.matchMedia = (query: string) =>
      ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => undefined,
        removeListener: () => undefined,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        dispatchEvent: () => false,
      }) as MediaQueryList;
  }
  if (!('ResizeObserver' in window)) {
    (window as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  }
  // jsdom has no layout, so <body> measures 0×0 and Fluent's focus manager (tabster) then treats every element
  // as hidden and will not move focus on Tab. Give the body the size of a 320 px task pane.
  const paneRect = { x: 0, y: 0, top: 0, left: 0, right: 320, bottom: 800, width: 320, height: 800, toJSON: () => ({}) };
  document.body.getBoundingClientRect = () => paneRect as DOMRect;
  // jsdom's offsetParent is always null, which tabster reads as display:none. Approximate the real rule.
  Object.defineProperty(HTMLElement.prototype, 'offsetParent', {
    configurable: true,
    get(this: HTMLElement) {
      const hidden = (e: HTMLElement | null): boolean => e !== null && (e.hidden || window.getComputedStyle(e).display === 'none' || hidden(e.parentElement));
      return hidden(this) ? null : this.parentElement;
    },
  });
}
export {};
