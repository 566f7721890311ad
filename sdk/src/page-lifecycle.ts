/**
 * The last moments a page's scripts run: `visibilitychange` to hidden (the page may never come
 * back: mobile browsers kill hidden tabs without `pagehide`) and `pagehide` (navigation, close,
 * the back-forward cache). `beforeunload`/`unload` are not used: they are unreliable on mobile
 * and `unload` keeps a page out of the back-forward cache.
 * https://developer.chrome.com/docs/web-platform/page-lifecycle-api
 */

/** Calls `flush` when the page is hidden or goes away; returns the function that stops it. Outside a browser it does nothing. */
export function onPageHide(flush: () => void): () => void {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return () => undefined;
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') flush();
  };
  document.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', flush);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', flush);
  };
}
